# bash completion for overtar(1): commands, each command's options, the
# values of -z, --emit, --whiteouts, --ignore and help, and paths, also
# after a transport prefix (oci:, docker-archive:, oci-archive:, dir:).
# Installed by `make install` into share/bash-completion/completions.

_overtar() {
	local cur prev cword cmd opts
	local -a words
	if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
		_get_comp_words_by_ref -n : cur prev words cword
	else
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
	fi
	local cmds="build cat diff flatten help inspect ls mod rebase squash stat version"
	local common="--keep-dirlinks --platform --spool-dir --max-entries --max-path-depth
		--max-spool --max-added --quiet --verbose --progress --help"
	if [ "$cword" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$cmds --help --version -V" -- "$cur"))
		return
	fi
	cmd=${words[1]}
	case $cmd in
	build) opts="--file --expression --define --output --compress --emit
		--whiteouts --mtime $common" ;;
	cat) opts="$common" ;;
	diff) opts="--json --ignore $common" ;;
	flatten) opts="--output --compress $common" ;;
	inspect) opts="--json --bytes --top --layer --ci --ci-config
		--lowest-efficiency --highest-wasted-bytes
		--highest-user-wasted-percent --max-wasted --min-efficiency
		$common" ;;
	ls) opts="--long --recursive --all --directory --origin --json
		$common" ;;
	stat) opts="--dereference --json $common" ;;
	squash) opts="--output --compress --keep --from --base --mtime
		--whiteouts --all-platforms $common" ;;
	mod) opts="--output --compress --env --unset-env --env-append
		--entrypoint --cmd --user --workdir --label --unset-label
		--annotation --expose --volume --stop-signal --drop-layer --strip
		--retime --mtime --all-platforms $common" ;;
	rebase) opts="--output --old-base --new-base --help" ;;
	help) COMPREPLY=($(compgen -W "$cmds" -- "$cur")); return ;;
	*) return ;;
	esac
	case $prev in
	-z|--compress) COMPREPLY=($(compgen -W "none gzip zstd" -- "$cur")); return ;;
	--emit) COMPREPLY=($(compgen -W "flat layer" -- "$cur")); return ;;
	--retime) COMPREPLY=($(compgen -W "new all" -- "$cur")); return ;;
	--whiteouts) COMPREPLY=($(compgen -W "oci overlayfs" -- "$cur")); return ;;
	--ignore) COMPREPLY=($(compgen -W "type mode owner size content target
		device xattrs mtime" -- "$cur")); return ;;
	--spool-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	-f|--file|--ci-config) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--mtime|--top|--layer|--max-*|--lowest-*|--highest-*|--min-*) return ;;
	--keep|--from|--env|--unset-env|--env-append|--entrypoint|--cmd|--user|\
	--workdir|--label|--unset-label|--annotation|--expose|--volume|\
	--stop-signal|--drop-layer|--strip|--platform) return ;;
	esac
	case $cur in
	-*)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return ;;
	oci:*|docker-archive:*|oci-archive:*|dir:*)
		local pfx=${cur%%:*}: rest=${cur#*:}
		COMPREPLY=($(compgen -f -- "$rest" | sed "s|^|$pfx|"))
		;;
	*)
		COMPREPLY=($(compgen -f -- "$cur")
			   $(compgen -W "oci: docker-archive: oci-archive: dir:" -- "$cur"))
		;;
	esac
	# the word bash splits at ':' keeps only what follows the colon
	if declare -F __ltrim_colon_completions >/dev/null 2>&1; then
		__ltrim_colon_completions "$cur"
	elif [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
		local colon=${cur%"${cur##*:}"}
		COMPREPLY=("${COMPREPLY[@]#"$colon"}")
	fi
	compopt -o filenames 2>/dev/null
}
complete -F _overtar overtar
