"""arcedge trainer: ArcFace-family face recognition training on PyTorch.

Driven by `arcedge train` (tools/commands/train.ts), which validates the config, launches the
workers and streams their JSON-lines progress. Layout follows insightface's arcface_torch
(one config per run, get_model(name)); every module is small and testable on CPU.
"""
