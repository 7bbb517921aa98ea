# corpus.sh -- sourced by bench.sh and check_corpus.sh (bash): the
# real-image corpus of ../shared/bench/make-corpus.sh, in $CORPUS
# ($BENCHDATA/corpus), built when missing under the lock others use too.
# Needs BENCHDATA, CORPUS, SHARED, W (a scratch folder) and say().

corpus_ok() {
	local n
	for n in 1 2 3 4 5; do
		[ -s "$CORPUS/layer$n.tar" ] && [ -s "$CORPUS/layer$n.tar.gz" ] ||
			return 1
	done
	[ -s "$CORPUS/expected-flat.tar" ] && [ -s "$CORPUS/expected-flat.list" ]
}

# Builds the corpus (root, about 5 minutes, debootstrap) unless it is there.
corpus_get() {
	corpus_ok && return 0
	if [ "$(id -u)" != 0 ]; then
		say "corpus: $CORPUS is missing and building it needs root"
		return 1
	fi
	if [ ! -f "$SHARED/bench/make-corpus.sh" ]; then
		say "corpus: $SHARED/bench/make-corpus.sh not found"
		return 1
	fi
	say "corpus: building it in $BENCHDATA (about 5 minutes)"
	mkdir -p "$(dirname "$BENCHDATA")"
	(
		flock 9
		corpus_ok || BENCHDATA=$BENCHDATA bash "$SHARED/bench/make-corpus.sh" \
			>"$W/corpus.log" 2>&1
	) 9>"$BENCHDATA.lock"
	corpus_ok && return 0
	say "corpus: make-corpus.sh failed:"
	tail -5 "$W/corpus.log" >&2
	return 1
}
