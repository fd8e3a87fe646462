"""Training-step throughput of the authors' PyTorch models, the baseline of bench/backbone_bench.ts.

One step = forward, BCE, backward and the authors' AdamW (lr 5e-4, no weight decay, constant rate)
at batch 256 on ML-1M-shaped synthetic batches built before timing: 3706 items, 18 attribute
values, 1 attribute field, ratings 1-5, history 5, embedding 32, MLP 200-80; DIN + HEA reads
256-d user and item knowledge through HEA (2 shared + 6 specific experts of 128-32). The model code
and its defaults come from a checkout of the authors' `rec/` folder (github ucas-hao/R4ec), which
this script imports and does not copy:

    git -C /work/.mirror/ucas-hao+R4ec/repo archive HEAD rec | tar -x -C /tmp/r4ec-ref
    apt-get download libopenblas0-pthread && dpkg-deb -x libopenblas0-pthread_*.deb /tmp/openblas
    /usr/bin/python3 bench/torch_reference.py --reference /tmp/r4ec-ref/rec --threads 1 \
        --openblas /tmp/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread

`--threads N` sets torch's intra-op threads, and OPENBLAS_NUM_THREADS / OMP_NUM_THREADS to N
unless already set, before torch is imported (Debian's torch runs its products on OpenBLAS, whose
own pool otherwise oversubscribes the cores). Parameter counts are compared with r4ec's, which
`deno run -A bench/backbone_bench.ts --params` prints. Prints a Markdown table of samples/s (wall)
and samples per CPU-second (all threads of this process).
"""

import argparse
import ast
import contextlib
import io
import json
import os
import subprocess
import sys
import time
from types import SimpleNamespace

BATCH = 256
POOL_BATCHES = 64
SHAPE = dict(item_num=3706, attr_num=18, attr_ft_num=1, rating_num=5, hist_len=5)
KNOWLEDGE_DIM = 256
# r4ec's bench label -> (the authors' class name, constructor extras, knowledge on)
CASES = {
    "din": ("DeepInterestNet", (), False),
    "dcn": ("DCN", ("v1",), False),
    "deepfm": ("DeepFM", (), False),
    "autoint": ("AutoInt", (), False),
    "din+hea256": ("DeepInterestNet", (), True),
}


def parse_cli():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--reference", default="/tmp/r4ec-ref/rec", help="checkout of the authors' rec/")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--only", default=None, help="one label: " + ", ".join(CASES))
    p.add_argument("--deno", default="npx -y deno@2.9.6", help="command that runs Deno")
    p.add_argument("--no-r4ec-params", action="store_true", help="skip the parameter-count check")
    p.add_argument("--openblas", default=None,
                   help="directory holding OpenBLAS's libblas.so.3 (put first on LD_LIBRARY_PATH)")
    p.add_argument("--optimizer", choices=("authors", "torch"), default="authors",
                   help="the authors' AdamW (rec/optimization.py) or torch.optim.Adam")
    return p.parse_args()


def reference_defaults(rec_dir):
    """The defaults of main_ctr.py's parse_args, read from its source (importing main_ctr would
    need scikit-learn and parses sys.argv)."""
    tree = ast.parse(open(os.path.join(rec_dir, "main_ctr.py")).read())
    out = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument"):
            continue
        name = node.args[0].value.lstrip("-")
        kw = {k.arg: k.value for k in node.keywords}
        if "default" not in kw:
            continue
        try:
            value = ast.literal_eval(kw["default"])
        except ValueError:
            continue  # computed defaults (device, timestamp)
        if getattr(kw.get("type"), "id", "") == "str2list":
            value = [int(v) for v in value.split(",")]
        out[name] = value
    return out


def model_args(defaults, knowledge):
    args = SimpleNamespace(**defaults)
    args.device = "cpu"
    args.task = "ctr"
    args.augment = knowledge
    args.max_hist_len = SHAPE["hist_len"]
    return args


def synthetic_batches(torch, knowledge, seed=11):
    g = torch.Generator().manual_seed(seed)
    T = SHAPE["hist_len"]

    def ids(hi, *shape):
        return torch.randint(1, hi + 1, shape, generator=g)

    batches = []
    for _ in range(POOL_BATCHES):
        b = {
            "iid": ids(SHAPE["item_num"], BATCH),
            "aid": ids(SHAPE["attr_num"], BATCH, SHAPE["attr_ft_num"]),
            "hist_iid_seq": ids(SHAPE["item_num"], BATCH, T),
            "hist_aid_seq": ids(SHAPE["attr_num"], BATCH, T * SHAPE["attr_ft_num"]),
            "hist_rate_seq": ids(SHAPE["rating_num"], BATCH, T),
            "hist_seq_len": torch.full((BATCH,), T, dtype=torch.long),
            "lb": (torch.rand(BATCH, generator=g) < 0.57).long(),
        }
        if knowledge:
            b["hist_aug_vec"] = torch.randn(BATCH, KNOWLEDGE_DIM, generator=g) * 0.06
            b["item_aug_vec"] = torch.randn(BATCH, KNOWLEDGE_DIM, generator=g) * 0.06
        batches.append(b)
    return batches


def r4ec_param_counts(cli):
    if cli.no_r4ec_params:
        return {}
    here = os.path.dirname(os.path.abspath(__file__))
    cmd = cli.deno.split() + ["run", "-A", os.path.join(here, "backbone_bench.ts"), "--params"]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=300).stdout
        return json.loads(out.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        print(f"r4ec parameter counts unavailable ({e}); not checked", file=sys.stderr)
        return {}


def with_openblas(directory):
    """Re-runs this script with `directory` first on LD_LIBRARY_PATH (the loader reads it only at
    start), so that torch's libblas.so.3 resolves to OpenBLAS without changing the system's
    alternatives."""
    paths = os.environ.get("LD_LIBRARY_PATH", "").split(":")
    if os.path.abspath(directory) in paths:
        return
    env = dict(os.environ, LD_LIBRARY_PATH=":".join([os.path.abspath(directory)] + [p for p in paths if p]))
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def loaded_blas():
    """The BLAS library this process mapped (Debian's torch links libblas.so.3, which is the slow
    reference implementation unless OpenBLAS provides it)."""
    libs = {line.split()[-1] for line in open("/proc/self/maps") if "blas.so" in line.split()[-1]}
    return ", ".join(sorted(libs)) or "none found"


def time_steps(torch, model, optimizer, batches, warmup, steps):
    def step(i):
        loss = model(batches[i % len(batches)])["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for i in range(warmup):
        step(i)
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(steps):
        step(warmup + i)
    return time.perf_counter() - t0, time.process_time() - c0


def main():
    cli = parse_cli()
    if not os.path.isfile(os.path.join(cli.reference, "models.py")):
        print(f"No checkout of the authors' rec/ folder at {cli.reference}: nothing measured.")
        print("Extract one with: git -C <mirror of ucas-hao/R4ec> archive HEAD rec | tar -x -C DIR")
        return 0
    if cli.openblas:
        with_openblas(cli.openblas)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        os.environ.setdefault(var, str(cli.threads))
    try:
        import torch
    except ImportError:
        print("No torch in this Python (Debian: apt install python3-torch): nothing measured.")
        return 0
    torch.set_num_threads(cli.threads)
    sys.path.insert(0, os.path.abspath(cli.reference))
    import models
    from optimization import AdamW
    from utils import weight_init

    defaults = reference_defaults(cli.reference)
    r4ec = r4ec_param_counts(cli)
    print(f"torch {torch.__version__}, torch threads {torch.get_num_threads()}, "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, "
          f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, batch {BATCH}, "
          f"{cli.optimizer} optimizer, {cli.warmup} warm-up + {cli.steps} timed steps")
    print(f"BLAS: {loaded_blas()}\n")
    print("| model | params (torch) | params (r4ec) | samples/s (wall) | samples per CPU-s | ms/step |")
    print("|---|---|---|---|---|---|")
    mismatch = False
    for label, (cls, extra, knowledge) in CASES.items():
        if cli.only and label != cli.only:
            continue
        torch.manual_seed(1234)
        dataset = SimpleNamespace(**{k: SHAPE[k] for k in ("item_num", "attr_num", "attr_ft_num", "rating_num")},
                                  dense_dim=KNOWLEDGE_DIM if knowledge else 0)
        args = model_args(defaults, knowledge)
        with contextlib.redirect_stdout(io.StringIO()):  # ConvertNet prints its type
            model = getattr(models, cls)(args, *extra, dataset)
        model.apply(weight_init)
        model.train()
        n = sum(p.numel() for p in model.parameters())
        ours = r4ec.get(label)
        mismatch |= ours is not None and ours != n
        if cli.optimizer == "authors":
            optimizer = AdamW(model.parameters(), lr=5e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
        else:
            optimizer = torch.optim.Adam(model.parameters(), lr=5e-4, betas=(0.9, 0.999), eps=1e-8)
        wall, cpu = time_steps(torch, model, optimizer, synthetic_batches(torch, knowledge),
                               cli.warmup, cli.steps)
        samples = BATCH * cli.steps
        print(f"| {label} | {n} | {ours if ours is not None else '—'} | {samples / wall:.0f} | "
              f"{samples / cpu:.0f} | {1000 * wall / cli.steps:.2f} |", flush=True)
    if mismatch:
        print("\nParameter counts differ from r4ec's: the models are not the same size.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
