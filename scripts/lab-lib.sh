# shellcheck shell=bash
# Common helpers for the zcopy lab scripts; sourced, never executed.

LAB_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034
LAB_TOP=$(dirname "$LAB_SCRIPTS")
LAB_CACHE=${ZCOPY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zcopy}
LAB_CONF=${LAB_CONF:-$LAB_SCRIPTS/kernels.conf}
LAB_HOST_SOURCES=${LAB_HOST_SOURCES:-/etc/apt/sources.list.d/debian.sources}
[ -r "$LAB_HOST_SOURCES" ] || LAB_HOST_SOURCES=/etc/apt/sources.list

die()  { printf 'lab: error: %s\n' "$*" >&2; exit 1; }
info() { printf 'lab: %s\n' "$*" >&2; }

# All KVERs of kernels.conf, in file order.
lab_kernels() { awk '!/^[ \t]*(#|$)/ { print $1 }' "$LAB_CONF"; }
# The KVERs `make check` runs by default: every line, the "build" (debug
# kernel) lines included unless LAB_DEBUG_LANE=0 (Documentation/lab.rst).
lab_matrix() {
	awk -v dbg="${LAB_DEBUG_LANE:-1}" '!/^[ \t]*(#|$)/ && ($2 != "build" || dbg == 1) { print $1 }' "$LAB_CONF"
}
# The newest Debian kernel of the matrix: the last line that is not of kind
# "build" (a debug kernel costs a compile, and has the same sources as its base).
lab_newest() { awk '!/^[ \t]*(#|$)/ && $2 != "build" { k = $1 } END { print k }' "$LAB_CONF"; }

# lab_kernel KVER: set K_VER, K_SUITE, K_META, K_ROOT from kernels.conf
# (K_ROOT: "host", or the Debian suite of the build root, see lab-buildroot).
lab_kernel() {
	local line
	line=$(awk -v k="$1" '!/^[ \t]*#/ && $1 == k { print $1, $2, $3, ($4 == "" ? "host" : $4); exit }' "$LAB_CONF")
	[ -n "$line" ] || die "kernel '$1' is not in $LAB_CONF (known: $(lab_kernels | xargs))"
	# shellcheck disable=SC2034 # used by the callers
	read -r K_VER K_SUITE K_META K_ROOT <<<"$line"
	K_DIR=$LAB_CACHE/kernels/$K_VER
	K_ENV=$K_DIR/kernel.env
}

# lab_kernel_env KVER: load the env file lab-fetch wrote (KDIR, KREL, ...).
lab_kernel_env() {
	lab_kernel "$1"
	[ -r "$K_ENV" ] || die "kernel $1 is not fetched: run scripts/lab-fetch $1"
	unset BUILDROOT SYSTEM_MAP # not in the kernel.env of older fetches
	# shellcheck source=/dev/null
	. "$K_ENV"
}

# The host's apt sources as deb822 stanzas; one-line sources.list format is
# converted. The lab derives every URI it uses from these, at run time.
lab_host_sources() {
	[ -r "$LAB_HOST_SOURCES" ] || die "no apt sources found (/etc/apt/sources.list.d/debian.sources)"
	case $LAB_HOST_SOURCES in
	*.sources) cat "$LAB_HOST_SOURCES" ;;
	*) awk '$1 == "deb" {
		opts = ""
		if (match($0, /\[[^]]*\]/)) {
			opts = substr($0, RSTART + 1, RLENGTH - 2)
			$0 = substr($0, 1, RSTART - 1) substr($0, RSTART + RLENGTH)
		}
		printf "Types: deb\nURIs: %s\nSuites: %s\nComponents:", $2, $3
		for (i = 4; i <= NF; i++) printf " %s", $i
		printf "\n"
		if (match(opts, /signed-by=[^ ]+/)) printf "Signed-By: %s\n", substr(opts, RSTART + 10, RLENGTH - 10)
		printf "\n"
	}' "$LAB_HOST_SOURCES" ;;
	esac
}

# apt-get / apt-cache with the lab's private state: generated sources,
# lists and archive cache under $LAB_CACHE/apt. The host's apt state is
# only read (dpkg status), never written.
LAB_APT=$LAB_CACHE/apt
lab_apt_opts() {
	printf '%s\n' -o "Dir::Etc::SourceList=$LAB_APT/sources.list" \
		-o "Dir::Etc::SourceParts=$LAB_APT/sources.list.d" \
		-o "Dir::State::Lists=$LAB_APT/lists" \
		-o "Dir::Cache=$LAB_APT/cache" \
		-o "Acquire::Languages=none" -o "APT::Get::List-Cleanup=false" \
		-o "APT::Sandbox::User=$(id -un)"
}
lab_apt_get()   { local o; mapfile -t o < <(lab_apt_opts); apt-get "${o[@]}" "$@"; }
lab_apt_cache() { local o; mapfile -t o < <(lab_apt_opts); apt-cache "${o[@]}" "$@"; }

# lab_vmlinux: print the path of an uncompressed ELF vmlinux extracted from
# $VMLINUZ (cached next to kernel.env); QEMU boots it through its PVH entry,
# which skips the slow in-guest decompression under TCG. Falls back to
# $VMLINUZ when no known payload is found.
lab_vmlinux() {
	local out=$K_DIR/vmlinux m off
	[ "$out" -nt "$VMLINUZ" ] && { echo "$out"; return; }
	for m in '\xfd7zXZ:xz -dcq --single-stream' '\x28\xb5\x2f\xfd:zstd -dcq' '\x1f\x8b\x08:gzip -dcq'; do
		off=$(LC_ALL=C grep -aboF "$(printf '%b' "${m%%:*}")" "$VMLINUZ" | head -1 | cut -d: -f1)
		[ -n "$off" ] || continue
		tail -c +"$((off + 1))" "$VMLINUZ" | ${m#*:} >"$out.$$" 2>/dev/null
		if [ "$(head -c 4 "$out.$$" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
			mv "$out.$$" "$out"
			echo "$out"
			return
		fi
	done
	rm -f "$out.$$"
	echo "$VMLINUZ"
}

# lab_host_mirror: "URI KEYRING" of the host's stanza serving its own
# codename (the first stanza otherwise): where a build root is bootstrapped from.
lab_host_mirror() {
	local codename
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	lab_host_sources | awk -v want="$codename" 'BEGIN { RS = ""; FS = "\n" }
	{
		uri = ""; key = ""; hit = 0
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^URIs:/) { split(substr($i, 6), u, " "); uri = u[1] }
			if ($i ~ /^Signed-By:/) { key = substr($i, 11); gsub(/^[ \t]+|[ \t]+$/, "", key) }
			if ($i ~ /^Suites:/) { m = split(substr($i, 8), s, " "); for (j = 1; j <= m; j++) if (s[j] == want) hit = 1 }
		}
		if (uri == "") next
		if (first == "") first = uri " " key
		if (hit) { print uri, key; found = 1; exit }
	}
	END { if (!found && first != "") print first }'
}

# lab_in_root ROOT DIR CMD...: run CMD in the build root ROOT (a directory)
# with cwd DIR, in a private mount namespace: /proc (objtool needs it), the
# kernel's cache directory $K_DIR and DIR are bind-mounted at their own paths,
# and all of it is unmounted when CMD ends, whatever way it ends.
lab_in_root() {
	local root=$1 dir=$2
	shift 2
	unshare --mount --propagation private -- /bin/sh -euc '
		r=$1 d=$2 k=$3
		shift 3
		mount -t proc proc "$r/proc"
		for p in "$k" "$d"; do
			mkdir -p "$r$p"
			mount --bind "$p" "$r$p"
		done
		exec chroot "$r" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 \
			/bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$d" "$@"
	' lab-in-root "$root" "$dir" "$K_DIR" "$@"
}

# lab_kmake DIR MAKE-ARGS...: make for the current kernel (lab_kernel_env, or
# lab-fetch before kernel.env exists: BUILDROOT set) with cwd DIR, on the host
# or in the kernel's build root.
lab_kmake() {
	local dir=$1
	shift
	if [ -n "${BUILDROOT:-}" ]; then
		lab_in_root "$BUILDROOT" "$dir" make "$@"
	else
		(cd "$dir" && make "$@")
	fi
}
