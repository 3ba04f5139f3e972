# The two commands a new user runs (see README): `make reproduce` and `make test`.
.PHONY: setup reproduce test lint

setup:
	ci/setup-libtorch.sh
	ci/setup-data.sh

# The main job: Table 5 (MNIST, normal class 1) end to end, beside the paper's numbers.
reproduce: setup
	cargo run --release -- reproduce --dataset mnist --out runs/mnist --resume

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings

test: setup lint
	cargo test
