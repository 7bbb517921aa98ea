#!/bin/sh
# valgrind.sh -- overtar under valgrind memcheck, for `make valgrind`
# (tests/run.sh runs it as OVERTAR_BIN, the real binary in OVERTAR_REAL).
# Any memcheck error or definite leak makes the run exit 99.
exec valgrind -q --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \
	"${OVERTAR_REAL:?OVERTAR_REAL must name the overtar binary}" "$@"
