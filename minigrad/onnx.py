"""minigrad.onnx: present so that scripts which `import torch.onnx` (and never export) run on minigrad.

minigrad does not export ONNX: `export` raises one clear error instead of writing a file.
"""

__all__ = ["export", "is_in_onnx_export", "ExportUnsupportedError"]


class ExportUnsupportedError(NotImplementedError):
    """Raised by `export`; `api` names the PyTorch function (the torch_compat launcher reports it)."""
    api = "torch.onnx.export"


def export(model, args=(), f=None, *more, **kwargs):
    """Always raises ExportUnsupportedError (a NotImplementedError): minigrad has no ONNX exporter.

    To run a minigrad model elsewhere, save its weights with `minigrad.save(model.state_dict(), path)`;
    the parameter names are PyTorch's, so the state dict loads into the matching PyTorch model, which
    can export ONNX.
    """
    raise ExportUnsupportedError(
        "minigrad.onnx.export: minigrad does not export ONNX models. Save the weights with "
        "minigrad.save(model.state_dict(), path), load them into the equivalent PyTorch model and "
        "export from there.")


def is_in_onnx_export():
    """False: minigrad never runs inside an ONNX export."""
    return False
