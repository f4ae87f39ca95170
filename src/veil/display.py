"""What results look like in a notebook: small pictures and tables, never walls of numbers.

Jupyter shows an object through its ``_repr_png_`` or ``_repr_html_``; `Faces`
and `FrameResult` use these. Pictures are at most `MAX_SIDE` pixels long, so a
notebook full of results stays light.
"""

from __future__ import annotations

import html

import cv2
import numpy as np

MAX_SIDE = 640
"""The longest side of a picture shown in a notebook."""
TABLE_ROWS = 12
HIDDEN_BGR = (60, 60, 230)  # red: a face veil hid
KEPT_BGR = (80, 200, 80)  # green: a face a gallery kept visible


def frame_png(pixels: np.ndarray, xyxy: np.ndarray, hide: np.ndarray | None) -> bytes:
    """``pixels`` (BGR) shrunk to `MAX_SIDE`, each face outlined (red: hidden, green: kept), as PNG."""
    scale = min(1.0, MAX_SIDE / max(pixels.shape[:2]))
    size = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))
    shown = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA) if scale < 1 else pixels.copy()
    for i, box in enumerate(xyxy):
        x1, y1, x2, y2 = (round(float(v) * scale) for v in box)
        colour = HIDDEN_BGR if hide is None or bool(hide[i]) else KEPT_BGR
        cv2.rectangle(shown, (x1, y1), (x2, y2), colour, 1, cv2.LINE_AA)
    ok, data = cv2.imencode(".png", shown, [cv2.IMWRITE_PNG_COMPRESSION, 6])
    if not ok:
        raise ValueError("cannot encode the picture as PNG")
    return bytes(data.tobytes())


def faces_html(
    xyxy: np.ndarray, score: np.ndarray, hide: np.ndarray | None, track_id: np.ndarray | None
) -> str:
    """A count, an SVG sketch of the boxes (red: hidden, green: kept) and a table of the first faces."""
    count = len(xyxy)
    title = f"<b>{count} faces</b>" + ("" if hide is None else f", {int(np.sum(hide))} hidden")
    if not count:
        return f"<div>{title}</div>"
    right, bottom = float(xyxy[:, 2].max()), float(xyxy[:, 3].max())
    line = max(right, bottom) / 200
    boxes = "".join(
        f'<rect x="{x1:.0f}" y="{y1:.0f}" width="{x2 - x1:.0f}" height="{y2 - y1:.0f}" fill="none" '
        f'stroke="{"#e33" if hide is None or hide[i] else "#3a3"}" stroke-width="{line:.1f}"/>'
        for i, (x1, y1, x2, y2) in enumerate(xyxy.tolist())
    )
    sketch = (
        f'<svg viewBox="0 0 {right:.0f} {bottom:.0f}" width="240" style="border:1px solid #ccc">{boxes}</svg>'
    )
    header = "<tr><th>#</th><th>box (x1, y1, x2, y2)</th><th>score</th><th>track</th><th>hidden</th></tr>"
    rows = "".join(
        f"<tr><td>{i}</td><td>{html.escape(', '.join(f'{v:.0f}' for v in xyxy[i]))}</td>"
        f"<td>{score[i]:.2f}</td><td>{'' if track_id is None else int(track_id[i])}</td>"
        f"<td>{'yes' if hide is None or hide[i] else 'no'}</td></tr>"
        for i in range(min(count, TABLE_ROWS))
    )
    more = f"<div>... and {count - TABLE_ROWS} more</div>" if count > TABLE_ROWS else ""
    return f"<div>{title}<br>{sketch}<table>{header}{rows}</table>{more}</div>"
