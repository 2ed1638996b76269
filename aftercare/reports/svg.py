"""Small trend charts drawn on the server as SVG, for print (the PDF runs no JavaScript)."""

from dataclasses import dataclass

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 320, 130, 34, 16, 16, 22


@dataclass
class Panel:
    title: str
    width: int
    height: int
    line: str  # polyline points of the values
    dots: list  # (x, y, label)
    target_y: float | None
    grid: list  # (y, label)
    ticks: list  # (x, label)


def _y(value: float, low: float, high: float) -> float:
    span = (high - low) or 1
    return round(PAD_TOP + (HEIGHT - PAD_TOP - PAD_BOTTOM) * (1 - (value - low) / span), 1)


def trend_panels(months: list[str], series: list[dict], targets: dict) -> list[Panel]:
    """One panel per series (values in percent, None = no value), with its target as a dashed line."""
    panels = []
    step = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(len(months) - 1, 1)
    for one in series:
        values = [v for v in one["data"] if v is not None]
        target = targets.get(one["key"])
        candidates = values + ([target] if target is not None else [])
        low = min([*candidates, 100.0]) if candidates else 0.0
        low = max(0.0, (int(low) // 10) * 10 - (10 if low % 10 == 0 and low > 0 else 0))
        high = 100.0
        points, dots = [], []
        for index, value in enumerate(one["data"]):
            if value is None:
                continue
            x = round(PAD_LEFT + step * index, 1)
            y = _y(value, low, high)
            points.append(f"{x},{y}")
            # The value is written above its dot, or below when the dot is at the top.
            dots.append((x, y, f"{value:.0f}", y + 12 if y < PAD_TOP + 10 else y - 6))
        grid = [(_y(v, low, high), f"{v:.0f}%") for v in (low, (low + high) / 2, high)]
        last = len(months) - 1
        ticks = [
            (round(PAD_LEFT + step * i, 1), m[2:].replace("-", "/"), "end" if i == last else "middle")
            for i, m in enumerate(months)
            if i % 3 == 0 or i == last
        ]
        panels.append(Panel(
            one["name"], WIDTH, HEIGHT, " ".join(points), dots,
            _y(target, low, high) if target is not None else None, grid, ticks,
        ))  # fmt: skip
    return panels
