"""Interactive dashboards for the notebooks (ipywidgets + matplotlib, updated in place).

    from rrnn.dash.memory_evolution import memory_evolution_dashboard
    dash = memory_evolution_dashboard()      # after %matplotlib widget; display with `dash`

Shared pieces: ``rrnn.dash.dashboard`` (Dashboard, the registry, and how to write a dashboard),
``rrnn.dash.figure`` (InPlaceFigure and its contract, modes, static figures),
``rrnn.dash.controls`` (the sliders, the heads dropdown, the pattern preview, the stepper) and
``rrnn.dash.attention_style`` (the one colour encoding and labelling of every attention map).
``rrnn.dash.discover()`` imports every dashboard module and returns the registry.
"""
from .dashboard import DASHBOARDS, Dashboard, discover, register_dashboard
from .figure import InPlaceFigure, as_image, detect_mode, static_figure

__all__ = ["DASHBOARDS", "Dashboard", "InPlaceFigure", "as_image", "detect_mode", "discover",
           "register_dashboard", "static_figure"]
