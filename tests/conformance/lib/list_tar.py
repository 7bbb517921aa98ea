#!/usr/bin/env python3
"""list_tar.py TAR -- canonical-list.py's listing of a tar, with hard links
to every non-directory kept (canonical-list.py drops a link to a symlink,
fifo or device with a warning). The hardlink column is filled for regular
files only, as canonical-list.py fills it for a directory tree, so the
output compares with its listing of a kernel mount; conform.py's own
listings fill it for every type."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import conform  # noqa: E402

if len(sys.argv) != 2:
    sys.exit(__doc__)
out = open(sys.stdout.fileno(), "w", encoding="utf-8", errors="surrogateescape",
           closefd=False)
conform.canon.emit(conform.tar_entries(sys.argv[1]), out)
out.flush()
