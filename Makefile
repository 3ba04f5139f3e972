# The two commands a new user runs (see README): `make reproduce` and `make test`.
.PHONY: setup reproduce test lint

setup:
	ci/setup-libtorch.sh
	ci/setup-data.sh

# The main job: Table 5 (MNIST, normal class 1) end to end over seeds 0, 1, 2 (cells run two at a
# time, one thread each), beside the paper's numbers, the claims judged over the seeds.
reproduce: setup
	cargo run --release -- reproduce --dataset mnist --out runs/mnist --resume

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings

test: setup lint
	cargo test
