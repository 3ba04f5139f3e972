#!/usr/bin/env python3
"""Independent PyTorch (Python) implementation of aerepro's CAE / VAE / AAE, for speed comparison.

Same layers (issue 4 / src/model/conv.rs), same batch (128), same optimizers (Adam 1e-3 for the
autoencoder; AAE critic RMSprop 5e-5 with weight clipping 0.01), same losses and initialisation
(incl. the output bias from the data) as src/train.rs, same
thread count, data resident in memory as one tensor and batches taken with index_select of a
resident tensor, zero_grad(set_to_none=True): PyTorch at its best, not a strawman.

Modes (each prints one JSON object per line on stdout; human text goes to stderr):
  --throughput    : training steps/s and scoring images/s per dataset x model
  --end-to-end    : train each model for --epochs on the normal class, score the test set, ROC-AUC

Run with the full torch wheel: ci/setup-torch-venv.sh, then .venv-torch/bin/python ci/torch_reference.py.
The data are read directly from data/ (MNIST IDX files, CIFAR-10 binary batches) with numpy.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SLOPE = 0.2
HIDDEN = 100
NZ = 20
CRITIC_HIDDEN = 10

# (in, out, stride, output_padding)
ARCH = {
    "mnist": {
        "image": (1, 28, 28),
        "enc": [(1, 16, 1, 0), (16, 32, 2, 0), (32, 64, 2, 0), (64, 64, 2, 0), (64, 16, 1, 0)],
        "dec": [(16, 64, 1, 0), (64, 64, 2, 0), (64, 32, 2, 1), (32, 16, 2, 1), (16, 1, 1, 0)],
        "code": (16, 4, 4),
    },
    "cifar10": {
        "image": (3, 32, 32),
        "enc": [(3, 8, 1, 0), (8, 16, 2, 0), (16, 32, 2, 0), (32, 16, 1, 0)],
        "dec": [(16, 32, 1, 0), (32, 16, 2, 1), (16, 8, 2, 1), (8, 3, 1, 0)],
        "code": (16, 8, 8),
    },
}
NORMAL_CLASS = {"mnist": 1, "cifar10": 5}


# ----------------------------------------------------------------------------------------- data
def data_dir():
    return os.environ.get("AEREPRO_DATA_DIR", "data")


def _idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    ndim = magic & 0xFF
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _cifar_dir():
    for name in ("cifar-10-batches-bin", "cifar-10-jpeg-q75"):
        d = os.path.join(data_dir(), name)
        if os.path.exists(os.path.join(d, "test_batch.bin")):
            return d
    sys.exit("CIFAR-10 not found under %s (run ci/setup-data.sh)" % data_dir())


def _cifar(files):
    recs = np.concatenate(
        [np.fromfile(f, dtype=np.uint8).reshape(-1, 1 + 3072) for f in files], axis=0)
    return recs[:, 1:].reshape(-1, 3, 32, 32), recs[:, 0].copy()


def load_split(dataset, normal_class):
    """(train [N,C,H,W] float32 in [0,1] of the normal class, test images, test labels)."""
    if dataset == "mnist":
        d = os.path.join(data_dir(), "mnist")
        tr_x, tr_y = _idx(os.path.join(d, "train-images-idx3-ubyte")), _idx(os.path.join(d, "train-labels-idx1-ubyte"))
        te_x, te_y = _idx(os.path.join(d, "t10k-images-idx3-ubyte")), _idx(os.path.join(d, "t10k-labels-idx1-ubyte"))
        tr_x, te_x = tr_x[:, None], te_x[:, None]
    else:
        d = _cifar_dir()
        tr_x, tr_y = _cifar([os.path.join(d, "data_batch_%d.bin" % i) for i in range(1, 6)])
        te_x, te_y = _cifar([os.path.join(d, "test_batch.bin")])
    to_t = lambda a: torch.from_numpy(np.array(a, dtype=np.float32)).div_(255.0)
    return to_t(tr_x[tr_y == normal_class]), to_t(te_x), te_y.astype(np.int64)


# --------------------------------------------------------------------------------------- models
def _init_(module):
    """tch's default init (aerepro's WeightInit::KaimingUniform): weights U(+-sqrt(6/fan_in));
    conv / transposed-conv biases 0; linear biases U(+-1/sqrt(in))."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.kaiming_uniform_(m.weight, a=0.0, nonlinearity="relu")
            if isinstance(m, nn.Linear):
                b = 1.0 / m.in_features ** 0.5
                nn.init.uniform_(m.bias, -b, b)
            else:
                nn.init.zeros_(m.bias)


LEAKY = "kernel"  # set from --leaky
DECONV_BIAS = "inside"  # set from --deconv-bias


class MaxLeaky(nn.Module):
    """LeakyReLU written as aerepro's model writes it: max(x, 0.2 x) (for the --leaky experiment)."""

    def forward(self, x):
        return torch.maximum(x, x * SLOPE)


class PreluLeaky(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("w", torch.tensor([SLOPE]))

    def forward(self, x):
        return F.prelu(x, self.w)


def leaky():
    return {"kernel": lambda: nn.LeakyReLU(SLOPE), "maximum": MaxLeaky, "prelu": PreluLeaky}[LEAKY]()


class DeconvBiasOutside(nn.ConvTranspose2d):
    """ConvTranspose2d whose bias is added after the convolution, as aerepro's decoder does (for
    the --deconv-bias outside experiment: it keeps libtorch off oneDNN's reference bias kernel)."""

    def __init__(self, cin, cout, s, op):
        super().__init__(cin, cout, 3, stride=s, padding=1, output_padding=op)

    def forward(self, x):
        y = F.conv_transpose2d(x, self.weight, None, self.stride, self.padding, self.output_padding)
        return y + self.bias.view(1, -1, 1, 1)


class Encoder(nn.Module):
    def __init__(self, arch):
        super().__init__()
        layers = []
        for cin, cout, s, _ in arch["enc"]:
            layers += [nn.Conv2d(cin, cout, 3, stride=s, padding=1), leaky()]
        self.net = nn.Sequential(*layers, nn.Flatten(1))

    def forward(self, x):
        return self.net(x)


class Decoder(nn.Module):
    def __init__(self, arch):
        super().__init__()
        self.code = arch["code"]
        layers = []
        n = len(arch["dec"])
        for i, (cin, cout, s, op) in enumerate(arch["dec"]):
            layers.append(nn.ConvTranspose2d(cin, cout, 3, stride=s, padding=1, output_padding=op)
                          if DECONV_BIAS == "inside" else
                          DeconvBiasOutside(cin, cout, s, op))
            layers.append(nn.Sigmoid() if i + 1 == n else leaky())
        self.net = nn.Sequential(*layers)

    def forward(self, flat):
        return self.net(flat.view(-1, *self.code))


class Autoencoder(nn.Module):
    def __init__(self, dataset, kind):
        super().__init__()
        arch = ARCH[dataset]
        flat = int(np.prod(arch["code"]))
        self.kind = kind
        self.enc = Encoder(arch)
        self.lin1 = nn.Linear(flat, HIDDEN)
        if kind == "vae":
            self.lin21 = nn.Linear(HIDDEN, NZ)
            self.lin22 = nn.Linear(HIDDEN, NZ)
        else:
            self.lin2 = nn.Linear(HIDDEN, NZ)
        self.act1, self.act3, self.act4 = leaky(), leaky(), leaky()
        self.lin3 = nn.Linear(NZ, HIDDEN)
        self.lin4 = nn.Linear(HIDDEN, flat)
        self.dec = Decoder(arch)
        if kind == "aae":
            self.critic = nn.Sequential(nn.Linear(NZ, CRITIC_HIDDEN), leaky(),
                                        nn.Linear(CRITIC_HIDDEN, 1))
        _init_(self)

    def encoder_params(self):
        heads = [self.lin21, self.lin22] if self.kind == "vae" else [self.lin2]
        return [p for m in [self.enc, self.lin1] + heads for p in m.parameters()]

    def ae_params(self):
        return self.encoder_params() + [p for m in [self.lin3, self.lin4, self.dec] for p in m.parameters()]

    def encode(self, x, sample):
        h = self.act1(self.lin1(self.enc(x)))
        if self.kind != "vae":
            z = self.lin2(h)
            return z, z, None
        mu, logvar = self.lin21(h), self.lin22(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu) if sample else mu
        return z, mu, logvar

    def decode(self, z):
        h = self.act3(self.lin3(z))
        return self.dec(self.act4(self.lin4(h)))

    def forward(self, x, sample=False):
        z, mu, logvar = self.encode(x, sample)
        return self.decode(z), mu, logvar


@torch.no_grad()
def init_output_bias(model, images):
    """The last decoder layer's bias := logit of each channel's mean training intensity, as
    aerepro's default `output_bias_from_data` (without it the CAE can collapse to a black image)."""
    p = images.mean(dim=(0, 2, 3)).clamp(1e-3, 1 - 1e-3)
    model.dec.net[-2].bias.copy_(torch.log(p / (1 - p)))


def make_model(dataset, kind, args):
    model = Autoencoder(dataset, kind)
    if args.layout == "channels-last":
        model = model.to(memory_format=torch.channels_last)
    return model


# ------------------------------------------------------------------------------------- training
class Trainer:
    """One training step per call, mirroring src/train.rs's Stepper:
    CAE: Adam on MSE. VAE: Adam on the calibrated-Gaussian objective 1/2 ln(MSE) + beta KL / D
    (default; the other two VaeLoss variants selectable). AAE: reconstruction phase (Adam, MSE),
    then n_critic = 5 critic steps (RMSprop 5e-5, Wasserstein loss E C(fake) - E C(real) on the
    batch's codes (one encoder pass, detached) vs fresh N(0, I) samples, clip to [-0.01, 0.01]),
    then one generator step (RMSprop 5e-5 on the encoder side, loss -E C(E(x)))."""

    def __init__(self, model, args):
        self.m = model
        self.args = args
        adam_kw = {}
        if args.adam in ("fused", "foreach"):
            adam_kw[args.adam] = True
        self.opt = torch.optim.Adam(model.ae_params(), lr=args.lr, **adam_kw)
        if model.kind == "aae":
            self.opt_c = torch.optim.RMSprop(model.critic.parameters(), lr=args.critic_lr)
            self.opt_g = torch.optim.RMSprop(model.encoder_params(), lr=args.generator_lr)

    def step(self, x):
        m, a = self.m, self.args
        if m.kind == "cae":
            recon, _, _ = m(x)
            loss = F.mse_loss(recon, x)
        elif m.kind == "vae":
            recon, mu, logvar = m(x, sample=True)
            # KL per image (Eq. 4), batch mean; D pixels per image; w = beta (no warm-up)
            kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)).mean()
            mse = F.mse_loss(recon, x)
            d = x[0].numel()
            if a.vae_loss == "sum-squared-error":
                loss = mse * d + kl * a.beta
            elif a.vae_loss == "mean-squared-error":
                loss = mse + kl * (a.beta / d)
            else:  # calibrated-gaussian (aerepro's default): 1/2 ln(MSE) + w KL / D
                loss = 0.5 * mse.clamp_min(1e-8).log() + kl * (a.beta / d)
        else:
            # reconstruction phase
            recon, _, _ = m(x)
            loss = F.mse_loss(recon, x)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        if m.kind == "aae":
            self._regularize(x)
        return loss

    def _regularize(self, x):
        m, a = self.m, self.args
        n = x.shape[0]
        # one encoder pass: detached for the critic steps (they leave the encoder unchanged), with
        # its graph for the generator step, as aerepro does
        _, z, _ = m.encode(x, False)
        fake = z.detach()
        for _ in range(a.n_critic):
            real = torch.randn(n, NZ)
            # Wasserstein critic loss: maximise E C(real) - E C(fake)
            c_loss = m.critic(fake).mean() - m.critic(real).mean()
            self.opt_c.zero_grad(set_to_none=True)
            c_loss.backward()
            self.opt_c.step()
            with torch.no_grad():
                for p in m.critic.parameters():
                    p.clamp_(-a.clip, a.clip)
        # generator (encoder) step: fool the critic (RMSprop, as WGAN's generator)
        g_loss = -m.critic(z).mean()
        self.opt_g.zero_grad(set_to_none=True)
        (g_loss * a.generator_weight).backward()
        self.opt_g.step()


@torch.no_grad()
def score(model, images, batch):
    out = []
    for i in range(0, images.shape[0], batch):
        x = images[i: i + batch]
        recon, _, _ = model(x, sample=False)
        out.append((recon - x).square().double().flatten(1).mean(1))
    return torch.cat(out)


def roc_auc(scores, positive):
    """ROC-AUC of `scores` for `positive` (bool array) via the rank-sum with tied ranks averaged."""
    s = np.asarray(scores, dtype=np.float64)
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i: j + 1]] = (i + j) / 2.0 + 1
        i = j + 1
    npos, nneg = positive.sum(), (~positive).sum()
    return (ranks[positive].sum() - npos * (npos + 1) / 2.0) / (npos * nneg)


def batches_per_epoch(n, batch, drop_last):
    return n // batch if drop_last else -(-n // batch)


def epoch_order(n, gen):
    return torch.randperm(n, generator=gen)


# ---------------------------------------------------------------------------------------- modes
def throughput(args):
    results = []
    for dataset in args.datasets:
        train, test, _ = load_split(dataset, NORMAL_CLASS[dataset])
        gen = torch.Generator().manual_seed(args.seed)
        perm = epoch_order(train.shape[0], gen)
        nb = train.shape[0] // args.batch
        idx = [perm[i * args.batch:(i + 1) * args.batch] for i in range(nb)]
        score_imgs = test[: args.score_images]
        for kind in args.models:
            torch.manual_seed(args.seed)
            model = make_model(dataset, kind, args)
            init_output_bias(model, train)
            tr = Trainer(model, args)
            for i in range(args.warmup):
                tr.step(train.index_select(0, idx[i % nb]))
            t0, c0 = time.perf_counter(), time.process_time()
            for i in range(args.steps):
                loss = tr.step(train.index_select(0, idx[(args.warmup + i) % nb]))
            loss.item()  # one host sync at the end (a no-op on CPU, kept for parity with GPUs)
            dt, cpu = time.perf_counter() - t0, time.process_time() - c0
            rec = {"impl": "pytorch", "mode": "train", "dataset": dataset, "model": kind,
                   "batch": args.batch, "threads": torch.get_num_threads(), "layout": args.layout,
                   "deconv_bias": args.deconv_bias, "steps": args.steps,
                   "seconds": dt, "images_per_s": args.steps * args.batch / dt,
                   "step_ms": 1e3 * dt / args.steps,
                   "cpu_step_ms": 1e3 * cpu / args.steps if args.cpu_time else None,
                   "cpu_images_per_s": args.steps * args.batch / cpu if args.cpu_time else None}
            print(json.dumps(rec), flush=True)
            results.append(rec)
            if args.score_images > 0:
                model.eval()
                score(model, score_imgs[: args.batch * 2], args.score_batch)
                t0 = time.perf_counter()
                score(model, score_imgs, args.score_batch)
                dt = time.perf_counter() - t0
                rec = {"impl": "pytorch", "mode": "score", "dataset": dataset, "model": kind,
                       "batch": args.score_batch, "threads": torch.get_num_threads(),
                       "images": score_imgs.shape[0], "seconds": dt,
                       "images_per_s": score_imgs.shape[0] / dt}
                print(json.dumps(rec), flush=True)
    return results


def end_to_end(args):
    """Per normal class (one, a list, or all ten): train every model for --epochs, score the test
    set, ROC-AUC (anomalies = the other classes). Prints one JSON line per class x model and a
    summary line per model (mean ROC-AUC over classes, summed training seconds) and the total."""
    t_all = time.perf_counter()
    dataset = args.datasets[0]
    if args.normal_class in (None, ""):
        classes = [NORMAL_CLASS[dataset]]
    elif args.normal_class == "all":
        classes = list(range(10))
    else:
        classes = [int(c) for c in args.normal_class.split(",")]
    load_s = 0.0
    per_model = {k: {"train_seconds": 0.0, "aucs": []} for k in args.models}
    for normal in classes:
        t0 = time.perf_counter()
        train, test, labels = load_split(dataset, normal)
        load_s += time.perf_counter() - t0
        print("loaded %s class %d: %d train, %d test" % (dataset, normal, train.shape[0],
              test.shape[0]), file=sys.stderr)
        n = train.shape[0]
        nb = batches_per_epoch(n, args.batch, args.drop_last)
        for kind in args.models:
            torch.manual_seed(args.seed)
            gen = torch.Generator().manual_seed(args.seed)
            model = make_model(dataset, kind, args)
            init_output_bias(model, train)
            model.train()
            tr = Trainer(model, args)
            t0 = time.perf_counter()
            losses = []
            for ep in range(args.epochs):
                perm = epoch_order(n, gen)
                total = torch.zeros(())
                for b in range(nb):
                    x = train.index_select(0, perm[b * args.batch:(b + 1) * args.batch])
                    total += tr.step(x).detach()
                losses.append(total.item() / nb)  # one host sync per epoch
                print("%s class %d %s epoch %d loss %.6f" % (dataset, normal, kind, ep + 1,
                      losses[-1]), file=sys.stderr)
            train_s = time.perf_counter() - t0
            model.eval()
            t0 = time.perf_counter()
            s = score(model, test, args.score_batch).numpy()
            score_s = time.perf_counter() - t0
            auc = float(roc_auc(s, labels != normal))
            per_model[kind]["train_seconds"] += train_s
            per_model[kind]["aucs"].append(auc)
            images = (nb * args.batch if args.drop_last else n) * args.epochs
            rec = {"impl": "pytorch", "mode": "end-to-end", "dataset": dataset,
                   "normal_class": normal, "model": kind, "epochs": args.epochs,
                   "batch": args.batch, "threads": torch.get_num_threads(), "train_images": n,
                   "train_seconds": train_s, "train_images_per_s": images / train_s,
                   "score_seconds": score_s, "roc_auc": auc,
                   "final_loss": losses[-1] if losses else None}
            print(json.dumps(rec), flush=True)
    for kind, v in per_model.items():
        print(json.dumps({"impl": "pytorch", "mode": "end-to-end-model", "dataset": dataset,
                          "model": kind, "classes": classes, "train_seconds": v["train_seconds"],
                          "mean_roc_auc": float(np.mean(v["aucs"]))}), flush=True)
    print(json.dumps({"impl": "pytorch", "mode": "end-to-end-total", "dataset": dataset,
                      "classes": classes, "epochs": args.epochs,
                      "seconds": time.perf_counter() - t_all, "load_seconds": load_s}), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--throughput", action="store_true")
    g.add_argument("--end-to-end", action="store_true")
    p.add_argument("--dataset", dest="datasets", action="append", choices=["mnist", "cifar10"],
                   help="repeatable; default: both for --throughput, mnist for --end-to-end")
    p.add_argument("--model", dest="models", action="append", choices=["cae", "vae", "aae"],
                   help="repeatable; default: all three")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=40, help="timed training steps (--throughput)")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--score-images", type=int, default=2048, help="test images scored (--throughput); 0 = skip")
    p.add_argument("--score-batch", type=int, default=512)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--normal-class", default=None,
                   help="--end-to-end: a class index, a comma list, or 'all' (default: the paper's)")
    p.add_argument("--drop-last", action="store_true", help="drop the last partial batch of an epoch")
    p.add_argument("--cpu-time", action="store_true",
                   help="also report CPU seconds per step (process_time; robust to load at 1 thread)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--critic-lr", type=float, default=5e-5)
    p.add_argument("--clip", type=float, default=0.01)
    p.add_argument("--n-critic", type=int, default=5)
    p.add_argument("--generator-lr", type=float, default=5e-5)
    p.add_argument("--generator-weight", type=float, default=1.0)
    p.add_argument("--beta", type=float, default=1.0)
    p.add_argument("--vae-loss", default="calibrated-gaussian",
                   choices=["calibrated-gaussian", "sum-squared-error", "mean-squared-error"])
    p.add_argument("--leaky", choices=["kernel", "maximum", "prelu"], default="kernel",
                   help="LeakyReLU(0.2) as one kernel (default, as aerepro), as max(x, 0.2x) "
                        "(aerepro's first form), or as prelu with a constant weight (its second)")
    p.add_argument("--layout", choices=["contiguous", "channels-last"], default="contiguous",
                   help="conv weights (hence activations) in PyTorch's default NCHW order, or "
                        "channels-last as aerepro's default --layout")
    p.add_argument("--deconv-bias", choices=["inside", "outside"], default="inside",
                   help="transposed-conv bias inside nn.ConvTranspose2d (default) or added after "
                        "it, as aerepro does")
    p.add_argument("--adam", choices=["default", "foreach", "fused"], default="default",
                   help="torch.optim.Adam implementation (default: PyTorch's own choice, "
                        "single-tensor on CPU)")
    args = p.parse_args()
    global LEAKY, DECONV_BIAS
    LEAKY = args.leaky
    DECONV_BIAS = args.deconv_bias
    args.models = args.models or ["cae", "vae", "aae"]
    args.datasets = args.datasets or (["mnist", "cifar10"] if args.throughput else ["mnist"])
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1) if hasattr(torch, "set_num_interop_threads") else None
    print("torch %s, %d threads, data %s" % (torch.__version__, torch.get_num_threads(), data_dir()),
          file=sys.stderr)
    if args.throughput:
        throughput(args)
    else:
        end_to_end(args)


if __name__ == "__main__":
    main()
