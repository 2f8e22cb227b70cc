"""Medians, ratios and the printed table of a benchmark report."""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks.fleet import render_fleet, summarize_fleet

CLIENTS = ("plugin", "raw aiohttp", "raw httpx")
# workload -> (what one unit is, scale to the printed unit, unit suffix, target ratio vs raw aiohttp)
WORKLOADS: dict[str, tuple[str, float, str, float]] = {
    "stream_burst": ("streamed chunk, burst", 1e6, "us", 1.5),
    "stream_paced": ("streamed chunk, paced", 1e6, "us", 1.5),
    "chat_complete": ("chat request (complete)", 1e3, "ms", 4.0),
    "embeddings": ("embeddings batch", 1e3, "ms", 1.3),
}
LOAD_BUDGET_S = 0.150
RSS_RATIO_TARGET = 2.0  # issue 16: memory per open stream within 2x raw aiohttp
TTFC_TARGET_S = 0.001  # issue 14: plugin p50 time to first chunk within 1 ms of raw aiohttp


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarize(report: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    server = report.get("server")
    if server:
        summary["server"] = server
    for name, runs in (report.get("workloads") or {}).items():
        if name == "ttfc":
            summary["ttfc"] = _ttfc(runs)
            continue
        label, scale, suffix, target = WORKLOADS[name]
        row: dict[str, Any] = {"unit": f"CPU {suffix} per {label.split(',')[0]}", "target": target}
        for client in CLIENTS:
            rs = runs[client]
            row[client] = {
                "cpu_per_unit": _median([r["cpu_s"] / r["units"] for r in rs]) * scale,
                "wall_s": _median([r["wall_s"] for r in rs]),
                "new_connections": [int(r["new_connections"]) for r in rs],
                "server_cpu_share": _median([r["server_cpu_s"] / r["wall_s"] for r in rs]),
                "catalog_requests": sum(int(r["catalog_requests"]) for r in rs),
            }
        ours = row["plugin"]["cpu_per_unit"]
        row["ratio_aiohttp"] = ours / row["raw aiohttp"]["cpu_per_unit"]
        row["ratio_httpx"] = ours / row["raw httpx"]["cpu_per_unit"]
        row["met"] = row["ratio_aiohttp"] <= target and not any(row["plugin"]["new_connections"])
        summary[name] = row
    over = report.get("overload")
    if over:
        row = {"per_model": over["per_model"], "pool": over["pool"]}
        for client, rs in over["runs"].items():
            row[client] = {
                "p50_s": _median([r["p50_s"] for r in rs]),
                "p99_s": _median([r["p99_s"] for r in rs]),
                "max_s": max(r["max_s"] for r in rs),
                "failures": sum(r["failures"] for r in rs),
                "first_failure": next((r["first_failure"] for r in rs if r["first_failure"]), None),
                "inversions": sum(r["inversions"] for r in rs),
                "streams": rs[0]["streams"],
            }
        plugin_row = row["plugin"]
        row["met"] = plugin_row["failures"] == 0 and plugin_row["inversions"] == 0
        summary["overload"] = row
    memory = report.get("memory")
    if memory:
        summary["memory"] = {**memory, "met": memory["ratio_rss"] <= RSS_RATIO_TARGET}
    load = report.get("load")
    if load:
        plugin = _median([w for w, _ in load["plugin"]])
        deps = _median([w for w, _ in load["deps"]])
        summary["load"] = {
            "plugin_wall_s": plugin,
            "deps_wall_s": deps,
            "plugin_inside_s": _median([i for _, i in load["plugin"]]),
            "deps_inside_s": _median([i for _, i in load["deps"]]),
            "overhead_s": plugin - deps,
            "modules": load["modules"],
            "met": plugin - deps <= LOAD_BUDGET_S,
        }
    if report.get("fleet"):
        summary["fleet"] = summarize_fleet(report["fleet"])
    catalog = report.get("catalog")
    if catalog:
        cold = catalog["cold"]
        summary["catalog"] = {
            "cached_lookup_us": _median(catalog["cached_lookup_us"]),
            "cold_callers": cold[0]["callers"],
            "cold_requests": [c["catalog_requests"] for c in cold],
            "cold_wall_ms": _median([c["wall_s"] * 1e3 for c in cold]),
            "met": all(c["catalog_requests"] == 1 for c in cold),
        }
    return summary


def _ttfc(runs: dict[str, list[dict[str, float]]]) -> dict[str, Any]:
    """Each client's median p50/p99 over its rounds, and the median (and range) of the paired
    differences: plugin minus raw aiohttp of the same round pair (`ttfc.measure`); the verdict."""
    row: dict[str, Any] = {}
    for client, rs in runs.items():
        row[client] = {"p50_s": _median([r["p50_s"] for r in rs]), "p99_s": _median([r["p99_s"] for r in rs])}
    pairs = list(zip(runs["plugin"], runs["raw aiohttp"], strict=True))
    for q in ("p50_s", "p99_s"):
        differences = [plugin[q] - raw[q] for plugin, raw in pairs]
        row[f"difference_{q}"] = _median(differences)
        row[f"difference_{q}_range"] = [min(differences), max(differences)]
    row["pairs"] = len(pairs)
    row["streams"] = runs["plugin"][0]["streams"]
    row["met"] = row["difference_p50_s"] <= TTFC_TARGET_S
    return row


def _render_ttfc(row: dict[str, Any], sizes: dict[str, Any]) -> None:
    print(
        f"time to first chunk: {row['pairs']} pairs of rounds of {row['streams']} paced streams "
        f"({sizes['ttfc_chunks']} chunks, {sizes['pace_ms']} ms apart) at {sizes['ttfc_in_flight']} in "
        "flight, the clients' rounds back to back; medians of the rounds and of the pairs' differences"
    )
    for q, name in (("p50_s", "p50"), ("p99_s", "p99")):
        plugin, raw = row["plugin"][q] * 1e3, row["raw aiohttp"][q] * 1e3
        low, high = (d * 1e3 for d in row[f"difference_{q}_range"])
        target = (
            f"  (target <= +{TTFC_TARGET_S * 1e3:.0f} ms) {'ok' if row['met'] else 'MISSED'}"
            if name == "p50"
            else ""
        )
        print(
            f"  TTFC {name}: plugin {plugin:6.2f} ms, raw aiohttp {raw:6.2f} ms, "
            f"paired difference {row[f'difference_{q}'] * 1e3:+6.2f} ms ({low:+.2f}..{high:+.2f}){target}"
        )


def render(report: dict[str, Any]) -> dict[str, Any]:
    """Print the table; return the summary (medians, ratios, verdicts)."""
    summary = summarize(report)
    sizes = report["sizes"]
    mode = "SMOKE (reduced sizes; targets not judged)" if report.get("smoke") else "full"
    print(
        f"openclaw-deepinfra benchmark: {mode}, {report['reps']} interleaved repetitions, "
        f"{report['cpus']} CPUs"
    )
    server = summary.get("server")
    if server:
        print(
            "loopback server ceiling (trivial client, 50 connections): "
            f"{server['requests_per_s']:,.0f} requests/s "
            f"with the server at {server['server_cpu_share']:.0%} of a core "
            f"({server['server_requests_per_cpu_s'] or 0:,.0f} requests per server CPU-second)"
        )
    header = (
        f"{'workload':<26}{'plugin':>10}{'aiohttp':>10}{'httpx':>10}{'p/aio':>8}{'p/httpx':>8}"
        f"{'target':>8}  {'new conns p/a/h':<18}{'srv CPU':>8}  verdict"
    )
    if any(k in summary for k in WORKLOADS):
        print()
        print("client CPU per unit (median); srv CPU = server share of a core during the plugin's phase")
        print(header)
        print("-" * len(header))
    for name, (label, _, suffix, _target) in WORKLOADS.items():
        row = summary.get(name)
        if row is None:
            continue
        cells = "".join(f"{row[c]['cpu_per_unit']:>8.2f}{suffix}" for c in CLIENTS)
        conns = "/".join(str(max(row[c]["new_connections"])) for c in CLIENTS)
        verdict = "ok" if row["met"] else "MISSED"
        print(
            f"{label:<26}{cells}{row['ratio_aiohttp']:>8.2f}{row['ratio_httpx']:>8.2f}"
            f"{'<=' + format(row['target'], '.1f'):>8}  {conns:<18}"
            f"{row['plugin']['server_cpu_share']:>7.0%}  {verdict}"
        )
    if any(k in summary for k in WORKLOADS):
        print(
            f"  sizes: {sizes['streams']} streams x {sizes['chunks']} chunks at "
            f"{sizes['stream_in_flight']} in flight (paced: {sizes['paced_streams']} streams, "
            f"{sizes['pace_ms']} ms apart); {sizes['requests']} requests at {sizes['request_in_flight']} "
            f"in flight; {sizes['texts']} texts in batches of {sizes['embed_batch']} "
            f"({sizes['dims']} floats each), {sizes['embed_concurrency']} in flight"
        )
    if "ttfc" in summary:
        print()
        _render_ttfc(summary["ttfc"], sizes)
    over = summary.get("overload")
    if over:
        print()
        p, r = over["plugin"], over["raw aiohttp"]
        print(
            f"first-token wait under overload: {p['streams']} paced streams over 3 models arriving "
            f"{sizes['overload_interval_ms']} ms apart; plugin maxConcurrentPerModel {over['per_model']}, "
            f"raw aiohttp pool {over['pool']}"
        )
        for label, c in (("plugin", p), ("raw aiohttp", r)):
            print(
                f"  {label:<12} p50 {c['p50_s']:6.2f} s  p99 {c['p99_s']:6.2f} s  max {c['max_s']:6.2f} s  "
                f"failed {c['failures']}  order inversions {c['inversions']}"
                + (f"  ({c['first_failure']})" if c["first_failure"] else "")
            )
        verdict = "ok" if over["met"] else "MISSED"
        print(f"  plugin: no failure, first tokens in arrival order per model: {verdict}")
    memory = summary.get("memory")
    if memory:
        p, r = memory["plugin"], memory["raw aiohttp"]
        kib = {k: (c["rss_per_stream"] / 1024, c["heap_per_stream"] / 1024) for k, c in (("p", p), ("r", r))}
        print(
            f"memory per open paced stream ({memory['open_streams']} open, median of {memory['reps']}): "
            f"RSS plugin {kib['p'][0]:.1f} KiB, raw aiohttp {kib['r'][0]:.1f} KiB "
            f"-> {memory['ratio_rss']:.2f}x (target <= {RSS_RATIO_TARGET:.1f}x) "
            f"{'ok' if memory['met'] else 'MISSED'}; traced heap plugin {kib['p'][1]:.1f} KiB, "
            f"raw {kib['r'][1]:.1f} KiB ({memory['ratio_heap']:.2f}x)"
        )
    load = summary.get("load")
    if load:
        print()
        print(
            f"plugin load (fresh process, wall): plugin {load['plugin_wall_s'] * 1e3:.0f} ms, "
            "dependencies alone "
            f"{load['deps_wall_s'] * 1e3:.0f} ms -> +{load['overhead_s'] * 1e3:.0f} ms "
            f"(target <= +{LOAD_BUDGET_S * 1e3:.0f} ms) {'ok' if load['met'] else 'MISSED'}"
        )
        print(
            f"  inside the child: plugin {load['plugin_inside_s'] * 1e3:.0f} ms, "
            f"dependencies ({', '.join(load['modules'])}) {load['deps_inside_s'] * 1e3:.0f} ms"
        )
    catalog = summary.get("catalog")
    if catalog:
        print(
            f"catalog: cached default lookup {catalog['cached_lookup_us']:.2f} us CPU; "
            f"{catalog['cold_callers']} concurrent cold callers -> catalog requests "
            f"{catalog['cold_requests']} "
            f"in {catalog['cold_wall_ms']:.0f} ms (target exactly 1) {'ok' if catalog['met'] else 'MISSED'}"
        )
    fleet = summary.get("fleet")
    if fleet:
        render_fleet(fleet)
    return summary
