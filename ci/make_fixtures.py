"""Writes the small real-data fixtures in fixtures/ from the full datasets in data/ (run ci/setup-data.sh first).

fixtures/mnist/t10k-{images-idx3,labels-idx1}-ubyte-first100: the first 100 official MNIST test images, as IDX
files whose header count is 100. fixtures/cifar10/test_batch-10-per-class.bin: the first 10 test images of each
class of the JPEG-q75 rebuild, in the CIFAR-10 binary record format.
"""
import pathlib
import struct

root = pathlib.Path(__file__).resolve().parent.parent
data = root / "data"
out = root / "fixtures"
(out / "mnist").mkdir(parents=True, exist_ok=True)
(out / "cifar10").mkdir(parents=True, exist_ok=True)

n = 100
images = (data / "mnist/t10k-images-idx3-ubyte").read_bytes()
labels = (data / "mnist/t10k-labels-idx1-ubyte").read_bytes()
(out / "mnist/t10k-images-idx3-ubyte-first100").write_bytes(
    struct.pack(">IIII", 2051, n, 28, 28) + images[16 : 16 + n * 784]
)
(out / "mnist/t10k-labels-idx1-ubyte-first100").write_bytes(struct.pack(">II", 2049, n) + labels[8 : 8 + n])

record = 3073
test = (data / "cifar-10-jpeg-q75/test_batch.bin").read_bytes()
records = [test[i * record : (i + 1) * record] for i in range(len(test) // record)]
picked = []
for cls in range(10):
    picked += [r for r in records if r[0] == cls][:10]
(out / "cifar10/test_batch-10-per-class.bin").write_bytes(b"".join(picked))
print("fixtures written to", out)
