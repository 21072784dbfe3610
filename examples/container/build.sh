#!/usr/bin/env bash
# Builds a SageMaker-style serving image for examples/container/server.js without any registry:
# FROM scratch, holding only the node binary of this machine, the libraries it links to and the server.
#
#   examples/container/build.sh localhost/berth-example:v1 [version]
#
# The version (default: the image's tag) is baked into the image as MODEL_VERSION, so images built with
# different versions differ only by it. Needs podman (or docker: set ENGINE=docker) and ldd.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 <image name, e.g. localhost/berth-example:v1> [version]" >&2
  exit 2
fi
image=$1
tag=${image##*/}
if [[ $tag == *:* ]]; then default_version=${tag##*:}; else default_version=latest; fi
version=${2:-$default_version}
engine=${ENGINE:-podman}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

command -v "$engine" >/dev/null || { echo "$0: $engine is not installed (Debian: apt-get install -y podman runc catatonit)" >&2; exit 1; }
node_path=$(command -v node) || { echo "$0: node is not installed" >&2; exit 1; }
node_binary=$(readlink -f "$node_path")

context=$(mktemp -d "${TMPDIR:-/tmp}/berth-image-XXXXXX")
trap 'rm -rf "$context"' EXIT
rootfs=$context/rootfs
mkdir -p "$rootfs/usr/bin" "$rootfs/tmp" "$rootfs/opt/ml/model"
chmod 1777 "$rootfs/tmp"

cp "$node_binary" "$rootfs/usr/bin/node"
# Every library node links to, the loader included, at the path ldd names it by (and where it resolves to).
while read -r library; do
  [[ -n $library && -e $library ]] || continue
  mkdir -p "$rootfs$(dirname "$library")"
  cp -L "$library" "$rootfs$library"
done < <(ldd "$node_binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3; next } $1 ~ /^\// { print $1 }')
cp "$here/server.js" "$rootfs/server.js"

# Same inputs, same image: a rebuild with nothing changed keeps the image there is (and its layer).
find "$rootfs" -exec touch -h -d @0 {} +
fingerprint=$( (cd "$rootfs" && find . -type f | LC_ALL=C sort | xargs sha256sum; echo "version=$version") | sha256sum | cut -c1-64)
if [[ $("$engine" image inspect --format '{{index .Labels "berth.example.fingerprint"}}' "$image" 2>/dev/null || true) == "$fingerprint" ]]; then
  echo "$image"
  exit 0
fi

cat >"$context/Containerfile" <<CONTAINERFILE
FROM scratch
COPY rootfs/ /
ENV MODEL_VERSION=$version
LABEL berth.example.fingerprint=$fingerprint
EXPOSE 8080
ENTRYPOINT ["/usr/bin/node", "/server.js"]
CONTAINERFILE

"$engine" build --quiet --tag "$image" --file "$context/Containerfile" "$context" >/dev/null
echo "$image"
