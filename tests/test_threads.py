"""Dashboards moved from several threads at once, as JupyterLab can do: widget callbacks may run
in a kernel subshell's thread while the main thread runs a cell that draws. Matplotlib is not
thread-safe; rrnn locks each figure and dashboard, and its text caches belong to one thread.

The test moves dashboards of its own and one shared by two threads while the main thread draws
other figures, then checks that nothing raised or crashed (a crash would take the test process
down with it), that each dashboard shows the result of its controls' final values, and that its
canvas holds what a full redraw draws.
"""
import os
import random
import threading

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from traitlets import TraitError

from rrnn.dash.attention_maps import attention_dashboard
from rrnn.dash.dashboard import alternative_values
from rrnn.dash import static_figure
from rrnn.dash.lstm_gates import lstm_dashboard
from rrnn.dash.rmc_step import rmc_step_dashboard

MOVES = int(os.environ.get("RRNN_STRESS_MOVES", "12"))   # per thread; more for a longer stress run


def _mover(dash, seed, errors):
    names = list(dash.benchmark_values())
    rng = random.Random(seed)

    def run():
        try:
            for _ in range(MOVES):
                control = dash.controls[rng.choice(names)]
                if control.disabled:
                    continue
                try:                               # a value valid now (the heads follow the slot size) ...
                    control.value = rng.choice(alternative_values(control))
                except TraitError:                 # ... unless the other thread moved the slot size since
                    pass
        except BaseException as err:     # noqa: BLE001 - reported by the test
            errors.append(err)
    return threading.Thread(target=run)


def _draw_plain_figures(stop, errors):
    """What a cell does meanwhile: matplotlib's own Agg drawing, and a course figure."""
    try:
        while not stop.is_set():
            for fig in (Figure(figsize=(3, 2)), static_figure((3, 2))):
                if not isinstance(fig.canvas, FigureCanvasAgg):
                    FigureCanvasAgg(fig)
                ax = fig.add_subplot()
                ax.plot(np.arange(5), np.arange(5) ** 2)
                ax.set_title("a cell's own figure, 0.25")
                fig.canvas.draw()
    except BaseException as err:     # noqa: BLE001
        errors.append(err)


def test_dashboards_moved_from_several_threads_show_their_final_values_and_a_full_draws_pixels():
    own = [rmc_step_dashboard(mode="static"), attention_dashboard(mode="static"), lstm_dashboard(mode="static")]
    shared = rmc_step_dashboard(mode="static")
    errors, stop = [], threading.Event()
    threads = [_mover(dash, seed, errors) for seed, dash in enumerate(own)]
    threads += [_mover(shared, 10 + k, errors) for k in range(2)]
    for thread in threads:
        thread.start()
    _draw_plain_figures_thread = threading.Thread(target=_draw_plain_figures, args=(stop, errors))
    _draw_plain_figures_thread.start()
    for thread in threads:
        thread.join(timeout=300)
    stop.set()
    _draw_plain_figures_thread.join(timeout=60)
    assert not errors, errors
    for dash in (*own, shared):
        assert dash.error is None or isinstance(dash.error, ValueError), (dash, dash.message.text)
        updates = dash.updates
        dash.refresh()                       # the values shown are the current ones: nothing to do
        assert dash.updates == updates, dash
        shown = np.asarray(dash.figure.fig.canvas.buffer_rgba()).copy()
        assert (shown[..., :3] < 250).any(axis=-1).mean() > 0.05, f"{dash}: a blank canvas"
        dash.figure.refresh()
        assert np.array_equal(shown, np.asarray(dash.figure.fig.canvas.buffer_rgba())), dash
