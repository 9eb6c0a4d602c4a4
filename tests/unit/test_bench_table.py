"""bench/table.py reads the queue benchmark's msg/s into the summary: every scenario of the first
table, whatever its label says after the latency, and nothing of the tables below it."""

from __future__ import annotations

from bench.table import _queue_figures

QUEUE_REPORT = """\
BPJS queue throughput: 400 farmers registered, then the FIFO queue drained by bpjs_sync
  scenario                                       msg/s  limit ceiling busiest s 429s  drain batches batch med    p99  cold batch
  -----------------------------------------------------------------------------------------------------------------------------
  2 instances, BPJS 50 ms, limit 400/s           150.3    400     346       180    0   2.7s      40   115.0ms 183.0ms 303.7/315.7ms
  2 instances, BPJS 50 ms, limit 20/s (default)   15.4     20      15        18    0  26.0s      40  1299.8ms 1308.2ms 1299.3/1306.7ms
  2 instances, BPJS 0 ms, limit 400/s            168.9    400     346       210    0   2.4s      40    98.6ms 279.4ms 207.3/264.9ms

  where a warm batch's time goes (medians over warm batches; summed over its threads)
  scenario                                        batch  msgs BPJS/call  AWS/msg in flight
  2 instances, BPJS 50 ms, limit 400/s          115.0ms    10    59.4ms    4.7ms       5.5
  2 instances, BPJS 50 ms, limit 20/s (default) 1299.8ms    10    54.1ms   12.8ms       0.5
"""


def test_the_summary_takes_each_scenarios_msg_per_second_from_the_first_table() -> None:
    assert _queue_figures(QUEUE_REPORT) == [
        ("2 instances, BPJS 50 ms, limit 400/s", "150.3"),
        ("2 instances, BPJS 50 ms, limit 20/s (default)", "15.4"),
        ("2 instances, BPJS 0 ms, limit 400/s", "168.9"),
    ]
    assert _queue_figures(None) == [] and _queue_figures("") == []
