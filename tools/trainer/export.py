"""ONNX export of a trained backbone: input `data` [N,3,112,112] with a dynamic batch, output
`fc1` [N,embedding] (insightface's names), opset 11, checked with onnx.checker. The input is
RGB normalised (x/255-0.5)/0.5 = (x-127.5)/127.5, exactly what the trainer fed; the model
package's manifest (written by `arcedge train`) declares that."""
import torch

OPSET = 11


def export_onnx(backbone, path, size=112):
    import onnx  # only export needs it (python3-onnx)

    backbone = backbone.cpu().eval()
    dummy = torch.zeros(1, 3, size, size)
    torch.onnx.export(backbone, dummy, path, input_names=["data"], output_names=["fc1"],
                      dynamic_axes={"data": {0: "batch"}, "fc1": {0: "batch"}}, opset_version=OPSET,
                      do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))
    return path
