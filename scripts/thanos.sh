#!/usr/bin/env bash
# Builds a real Thanos binary from the Go module proxy into a cache directory, once.
#
#   bash scripts/thanos.sh CACHE_DIR      # prints the binary's path on stdout
#
# Thanos's go.mod has replace directives, so `go install .../cmd/thanos@VERSION` refuses;
# instead the module's source is fetched with `go mod download` and built in place. The
# module cache, the build cache and the binary all live under CACHE_DIR, so a second run
# finds the binary and does nothing, and a rebuild after deleting it takes seconds.
# A cold build costs under 1 minute of downloads and 5-8 minutes of compiling on 2 cores
# (peak memory about 1.6 GB). THANOS_VERSION picks another release (default below). Without
# a Go of at least GO_VERSION on PATH (a fresh Debian has none), that Go toolchain is fetched
# from the module proxy as `go` itself would (golang.org/toolchain) into CACHE_DIR/go.
set -euo pipefail

version=${THANOS_VERSION:-v0.42.4}
go_version=${GO_VERSION:-1.26.8}
module=github.com/thanos-io/thanos
proxy=${GOPROXY:-https://proxy.golang.org}
proxy=${proxy%%,*}

say() { echo "thanos.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

[ $# -eq 1 ] && [ -n "$1" ] || die "usage: bash scripts/thanos.sh CACHE_DIR"
mkdir -p "$1" || die "$1: cannot create the cache directory"
cache=$(cd "$1" && pwd)
binary="$cache/bin/thanos"

go_is_recent() {  # go on PATH at least go_version (sort -V orders versions)
  local have
  have=$(go env GOVERSION 2>/dev/null) || return 1
  have=${have#go}
  [ "$(printf '%s\n%s\n' "$go_version" "$have" | sort -V | head -1)" = "$go_version" ]
}

fetch_go() {  # the toolchain zip the module proxy serves for GOTOOLCHAIN=go<version>
  local name="v0.0.1-go${go_version}.linux-amd64" dest="$cache/go"
  if [ ! -x "$dest/bin/go" ]; then
    say "fetching Go ${go_version} from ${proxy} (no recent go on PATH)"
    python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' \
      "${proxy}/golang.org/toolchain/@v/${name}.zip" "$cache/go.zip.partial" ||
      die "cannot download Go ${go_version} from ${proxy}"
    rm -rf "$dest.partial"
    python3 - "$cache/go.zip.partial" "$dest.partial" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        path = z.extract(info, sys.argv[2])
        mode = info.external_attr >> 16
        if mode:
            __import__("os").chmod(path, mode & 0o777)
PY
    mv "$dest.partial/golang.org/toolchain@${name}" "$dest"
    rm -rf "$dest.partial" "$cache/go.zip.partial"
  fi
  export PATH="$dest/bin:$PATH" GOTOOLCHAIN=local
}

has_binary() { [ -x "$binary" ] && "$binary" --version 2>&1 | grep -q "version ${version#v} "; }

exec 9>"$cache/.lock"
flock 9  # two runs on one cache wait for each other instead of building twice

if has_binary; then
  say "$binary is Thanos ${version} already; nothing to do"
  echo "$binary"
  exit 0
fi

go_is_recent || fetch_go
go_is_recent || die "no Go ${go_version} or newer: $(command -v go || echo 'go not found')"
export GOPATH="$cache/gopath" GOCACHE="$cache/gocache"
export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0  # a static binary, as Thanos releases are
src="$cache/src/thanos-${version}"
started=$SECONDS

if [ ! -f "$src/go.mod" ]; then
  say "fetching the source of ${module}@${version} from the module proxy"
  json=$(nice -n 19 go mod download -json "${module}@${version}") ||
    die "go mod download ${module}@${version} failed: $(echo "$json" | grep '"Error"')"
  dir=$(echo "$json" | sed -n 's/^[[:space:]]*"Dir": "\([^"]*\)".*/\1/p')
  [ -n "$dir" ] && [ -f "$dir/go.mod" ] || die "go mod download gave no source for ${module}@${version}"
  mkdir -p "$cache/src"
  rm -rf "$src.partial"
  cp -r "$dir" "$src.partial"
  chmod -R u+w "$src.partial"  # the module cache is read-only; the build dir must not be
  mv "$src.partial" "$src"
fi
cd "$src"

tags=netgo,slicelabels  # the tags of Thanos's own release build (.promu.yml)
say "downloading the modules that cmd/thanos needs"
step=$SECONDS
log="$cache/download.log"  # one "go: downloading" line per module: kept out of the way
if ! nice -n 19 go list -tags "$tags" -deps ./cmd/thanos >/dev/null 2>"$log"; then
  tail -n 20 "$log" >&2
  die "downloading the modules failed (whole log: $log)"
fi
say "downloads done in $((SECONDS - step))s ($(grep -c '^go: downloading' "$log") modules fetched)"

say "compiling cmd/thanos (minutes on 2 cores)"
step=$SECONDS
pkg=github.com/prometheus/common/version
mkdir -p "$cache/bin"
nice -n 19 go build -tags "$tags" \
  -ldflags "-X $pkg.Version=${version#v} -X $pkg.Branch=${version} -X $pkg.BuildUser=tenantwatch" \
  -o "$binary.partial" ./cmd/thanos
mv "$binary.partial" "$binary"
say "compiled in $((SECONDS - step))s"

has_binary || die "$binary was built but does not report version ${version}"
say "$binary ready ($(du -m "$binary" | cut -f1) MB, $((SECONDS - started))s in all)"
echo "$binary"
