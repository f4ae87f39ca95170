"""Does int8 quantisation of CenterFace pay? AP and speed of fp32 vs dynamic and static int8.

    python benchmarks/quantization.py     # writes benchmarks/results/quantization.md

onnxruntime's dynamic quantisation (int8 weights, ConvInteger) and static QDQ
quantisation (int8 weights and activations, calibrated on 20 photos of the
mask set at 640x480) of the same graph veil runs. AP at 2x on both sets, as
in benchmarks/detection.py; ms@1080p the median of 5 runs. The rule (issue
5): keep a quantised model only if AP drops by less than 0.01.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import cv2

from common import DATA, RESULTS, ROOT, machine_line, markdown_table, require_data
from veil.detection import ScaledDetector
from veil.detection.centerface import CenterFaceDetector, centerface_model_path, dynamic_model_bytes
from veil.detection.onnx_session import make_session
from veil.evaluation import load_detection_dataset, score_detections

SETS = {"WIDER hard": ("widerface_val200_416", "hard"), "mask": ("face_mask_kaggle853", "all")}


def quantise(folder: Path) -> dict[str, Path]:
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )

    fp32 = folder / "centerface.onnx"
    fp32.write_bytes(dynamic_model_bytes(centerface_model_path()))
    photos = sorted((DATA / "detection" / "face_mask_kaggle853" / "images").iterdir())[::20][:20]
    blobs = [
        cv2.dnn.blobFromImage(cv2.resize(cv2.imread(str(p)), (640, 480)), 1.0, (640, 480), swapRB=True)
        for p in photos
    ]

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.blobs = iter(blobs)

        def get_next(self) -> dict | None:
            blob = next(self.blobs, None)
            return None if blob is None else {"input.1": blob}

    dynamic, static = folder / "dynamic.onnx", folder / "static.onnx"
    quantize_dynamic(str(fp32), str(dynamic), weight_type=QuantType.QUInt8)
    quantize_static(
        str(fp32), str(static), Reader(), quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
    )  # fmt: skip
    return {"fp32": fp32, "int8 dynamic": dynamic, "int8 static (QDQ)": static}


def main() -> None:
    base = require_data(DATA / "detection")
    sets = {name: load_detection_dataset(base / folder)[0] for name, (folder, _) in SETS.items()}
    frame = cv2.resize(cv2.imread(str(ROOT / "examples" / "solvay_conference_1927.jpg")), (1920, 1080))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, path in quantise(Path(tmp)).items():
            model = CenterFaceDetector(0.05)
            model._session = make_session(str(path))
            model._input = model._session.get_inputs()[0].name
            runs = []
            for _ in range(6):
                start = time.perf_counter()
                model.detect(frame)
                runs.append(time.perf_counter() - start)
            detector = ScaledDetector(model, 2.0)
            row = [label, f"{1000 * statistics.median(runs[1:]):.0f}"]
            for name, (_, subset) in SETS.items():
                items = sets[name]
                detected = (detector.detect(cv2.imread(str(i.image))) for i in items)
                found = [(f.xyxy, f.score) for f in detected]
                truth = [(i.boxes, i.positives[subset]) for i in items]
                row.append(f"{score_detections(found, truth, 0.3).ap:.3f}")
            rows.append(row)
            print(" | ".join(row), flush=True)
    text = markdown_table(["CenterFace model", "ms@1080p", *(f"{n} AP (2x)" for n in SETS)], rows)
    with open(RESULTS / "quantization.md", "w") as stream:
        stream.write(f"# int8 quantisation\n\n`python benchmarks/quantization.py` on {machine_line()}.\n\n")
        stream.write(__doc__.split("\n\n", 2)[2].strip() + "\n\n" + text + "\n")
    print(text)


if __name__ == "__main__":
    main()
