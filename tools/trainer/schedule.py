"""Learning-rate schedules by step: linear warm-up, then polynomial decay (arcface_torch's
default, power 2) or step decay (x gamma at each milestone, the original ArcFace recipe)."""


def lr_at(step, cfg, total_steps):
    base, warmup = cfg["lr"], cfg.get("warmupSteps", 0)
    if warmup and step < warmup:
        return base * (step + 1) / warmup
    if cfg.get("schedule", "poly") == "step":
        drops = sum(1 for m in cfg.get("milestones", []) if step >= m)
        return base * (cfg.get("gamma", 0.1) ** drops)
    span = max(total_steps - warmup, 1)
    progress = min(max(step - warmup, 0) / span, 1.0)
    return base * (1.0 - progress) ** cfg.get("power", 2.0)
