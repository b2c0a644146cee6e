"""python -m trainer <command>: the entry `arcedge train` and the tests call.

  env                         JSON: versions of Python, PyTorch, ONNX; CUDA devices
  check-data <dir>            JSON: images and classes of a RecordIO set or image folder
  train --config F --run-dir D [--resume]     JSON lines on stdout (rank 0)
  bench --config F [--steps N]                JSON: trainer vs raw loop img/s
  embed --checkpoint C [--network N] --input F --count N --out F   float32 NCHW in, float32 embeddings out
  export --checkpoint C --network N --out model.onnx [--embedding-size D]   ONNX of ours or arcface_torch's backbone
  check-init --checkpoint C --network N --embedding-size D   JSON: the checkpoint fits (for --init, before a run starts)
  read-rec <dir>              JSON lines: header, then one line per image record (label, sha256)
  read-bin <file>             JSON: pairs and same-pair count (restricted unpickler)
  synthetic --out D --classes N --per-class K   a generated insightface-layout RecordIO set
Errors: one JSON line {"event":"error","code","message","fix"} and exit status 1.
"""
import argparse
import hashlib
import json
import platform
import sys

from .errors import TrainerError


def env():
    info = {"python": platform.python_version(), "executable": sys.executable}
    import torch
    info.update(torch=torch.__version__, cuda=torch.cuda.is_available(), gpus=torch.cuda.device_count(),
                gloo=torch.distributed.is_available() and torch.distributed.is_gloo_available())
    try:
        import onnx
        info["onnx"] = onnx.__version__
    except ImportError:
        info["onnx"] = None
    return info


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m trainer")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("env")
    p = sub.add_parser("check-data"); p.add_argument("path")
    p = sub.add_parser("train"); p.add_argument("--config", required=True); p.add_argument("--run-dir", required=True); p.add_argument("--resume", action="store_true")
    p = sub.add_parser("bench"); p.add_argument("--config", required=True); p.add_argument("--steps", type=int, default=8)
    p = sub.add_parser("embed"); p.add_argument("--checkpoint", required=True); p.add_argument("--network"); p.add_argument("--input", required=True); p.add_argument("--count", type=int, required=True); p.add_argument("--out", required=True)
    p = sub.add_parser("check-init"); p.add_argument("--checkpoint", required=True); p.add_argument("--network", required=True); p.add_argument("--embedding-size", type=int, required=True)
    p = sub.add_parser("export"); p.add_argument("--checkpoint", required=True); p.add_argument("--network", required=True); p.add_argument("--out", required=True); p.add_argument("--embedding-size", type=int)
    p = sub.add_parser("read-rec"); p.add_argument("path")
    p = sub.add_parser("read-bin"); p.add_argument("path")
    p = sub.add_parser("synthetic"); p.add_argument("--out", required=True); p.add_argument("--classes", type=int, default=64); p.add_argument("--per-class", type=int, default=16); p.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    if args.command == "env":
        print(json.dumps(env()))
    elif args.command == "check-data":
        import os
        if os.path.isfile(os.path.join(args.path, "train.rec")) or os.path.isfile(os.path.join(args.path, "train.idx")):
            from .recordio import RecordSet
            s = RecordSet(args.path)
            print(json.dumps({"images": len(s), "classes": s.num_classes, "kind": "recordio"}))
        else:
            from .folders import scan_image_folder
            items, classes = scan_image_folder(args.path)
            print(json.dumps({"images": len(items), "classes": classes, "kind": "folders"}))
    elif args.command == "train":
        from .loop import run
        with open(args.config, encoding="utf-8") as f:
            return run(json.load(f), args.run_dir, resume=args.resume)
    elif args.command == "bench":
        from .bench import bench
        with open(args.config, encoding="utf-8") as f:
            print(json.dumps(bench(json.load(f), steps=args.steps)))
    elif args.command == "embed":
        import numpy as np
        import torch
        from .weights import backbone_from, read_state
        network = args.network or (read_state(args.checkpoint)[1] or {}).get("backbone", {}).get("name")
        if not network:
            raise TrainerError("CONFIG_INVALID", f"{args.checkpoint} does not say which network it is", "pass --network")
        backbone, _ = backbone_from(args.checkpoint, network)
        x = torch.from_numpy(np.fromfile(args.input, dtype=np.float32).reshape(args.count, 3, 112, 112))
        with torch.no_grad():
            backbone(x).numpy().astype(np.float32).tofile(args.out)
    elif args.command == "check-init":
        from .backbones import get_model
        from .weights import load_backbone
        model = load_backbone(get_model(args.network, embedding_size=args.embedding_size), args.checkpoint, args.network)
        print(json.dumps({"fits": True, "parameters": sum(p.numel() for p in model.parameters())}))
    elif args.command == "export":
        from .backbones import canonical
        from .export import export_onnx
        from .weights import backbone_from
        try:
            canonical(args.network)
        except ValueError as error:
            raise TrainerError("CONFIG_INVALID", str(error), "pass one of the names listed") from None
        backbone, size = backbone_from(args.checkpoint, args.network, args.embedding_size)
        print(json.dumps({"event": "exported", "path": export_onnx(backbone, args.out), "embeddingSize": size,
                          "network": args.network, "parameters": sum(p.numel() for p in backbone.parameters())}))
    elif args.command == "read-rec":
        from .recordio import RecordSet, unpack_header
        s = RecordSet(args.path)
        flag, labels, _, _, _ = unpack_header(s.reader.read(s.offsets[min(s.offsets)]))
        print(json.dumps({"headerFlag": flag, "headerLabel": list(labels), "images": len(s), "classes": s.num_classes}))
        for i in range(len(s)):
            payload, label = s.item(i)
            print(json.dumps({"key": s.keys[i], "label": label, "bytes": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}))
    elif args.command == "read-bin":
        from .verification import load_bin
        bins, issame = load_bin(args.path)
        print(json.dumps({"pairs": len(issame), "same": sum(issame), "images": len(bins),
                          "sha256": [hashlib.sha256(b).hexdigest() for b in bins]}))
    elif args.command == "synthetic":
        from .synthetic import write_set
        print(json.dumps({"images": write_set(args.out, args.classes, args.per_class, seed=args.seed), "classes": args.classes, "path": args.out}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except TrainerError as error:
        sys.stdout.write(json.dumps({"event": "error", "code": error.code, "message": error.message, "fix": error.fix}) + "\n")
        sys.stdout.flush()
        sys.exit(1)
