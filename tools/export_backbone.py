#!/usr/bin/env python3
"""Writes a trainbox backbone (NAME.pt + NAME.json) from a torchvision model.

Run on a machine with PyTorch, torchvision and internet access (for the pretrained weights),
then copy both files into trainbox's backbones folder (TrainRequest.backbones_dir).

  python3 tools/export_backbone.py mobilenet_v3_small --out backbones/
  # -> backbones/mobilenet_v3_small.pt, backbones/mobilenet_v3_small.json

The .pt file is a TorchScript feature extractor: forward(x: float[N,3,S,S], normalised with the
JSON's mean/std) -> float[N, feature_dim]. trainbox adds and trains a linear head on it.
trainbox checks feature_dim with one forward pass on a blank input_size image when it loads it.

trainbox runs Debian's LibTorch 1.13: export with PyTorch 1.13 (a TorchScript file written by a
newer PyTorch may use operator versions 1.13 cannot load), and check it on the target machine with
  /usr/bin/python3 -c "import torch; torch.jit.load('backbones/NAME.pt')"
With backbone "auto", trainbox uses the first installed backbone by name.
"""
import argparse
import json
import os

import torch
import torchvision

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


class Features(torch.nn.Module):
    def __init__(self, body, pool):
        super().__init__()
        self.body = body
        self.pool = pool

    def forward(self, x):
        return torch.flatten(self.pool(self.body(x)), 1)


def build(name):
    model = torchvision.models.get_model(name, weights="DEFAULT")
    if hasattr(model, "features") and hasattr(model, "avgpool"):  # mobilenet, efficientnet...
        return Features(model.features, model.avgpool)
    if hasattr(model, "fc"):  # resnet, regnet...
        model.fc = torch.nn.Identity()
        return model
    raise SystemExit(f"don't know how to cut the classifier off {name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="torchvision model name, e.g. mobilenet_v3_small, resnet18")
    parser.add_argument("--out", default=".", help="backbones folder")
    parser.add_argument("--size", type=int, default=224, help="input side in pixels")
    args = parser.parse_args()
    features = build(args.model).eval()
    with torch.no_grad():
        dim = features(torch.zeros(1, 3, args.size, args.size)).shape[1]
    os.makedirs(args.out, exist_ok=True)
    torch.jit.script(features).save(os.path.join(args.out, args.model + ".pt"))
    meta = {"input_size": args.size, "mean": IMAGENET_MEAN, "std": IMAGENET_STD,
            "feature_dim": int(dim), "source": f"torchvision {args.model} (DEFAULT weights)",
            "torch_version": torch.__version__}
    with open(os.path.join(args.out, args.model + ".json"), "w") as f:
        json.dump(meta, f, indent=2)
    print(f"wrote {args.model}.pt and {args.model}.json (feature_dim {dim}) to {args.out}")


if __name__ == "__main__":
    main()
