"""``edutorch.amp``: mixed precision (chapter 7): ``autocast`` and ``GradScaler``.

    scaler = GradScaler("cuda")
    with autocast("cuda"):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
"""
from .autocast_mode import autocast
from .grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler"]
