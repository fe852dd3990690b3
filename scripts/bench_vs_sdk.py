#!/usr/bin/env python3
"""`volc-im export` side by side with the official Volcengine Python SDK.

Run through scripts/bench-vs-sdk.sh, which creates the virtualenv holding the SDK
(`pip install volcengine`) and builds the release binary. Everything runs on
127.0.0.1 against `volc-im demo-server` processes started here and stopped at the end.

What is measured (every figure a median; both sides of a comparison interleaved,
A B B A ..., so that drift of a shared machine hits both alike):

  P2     the demo conversations (group, direct, live; newest first, 20 a page)
         against `demo-server --max-qps 0`: pages per second and CPU per page of the
         client process, start-up left out on both sides. The SDK side is
         `Service.json` in a `while HasMore` loop, signing with the SDK, timed inside
         (after its imports); volc-im's is the whole export less a one-page export.
         Whole-process figures are printed beside them. Measured with
         `--no-archive` and with the archive volc-im keeps by default.
  P3     against `demo-server --latency-ms 50`: a 30-page export's wall time
         against 30 times the round trip of one request replayed on a kept-alive
         connection.
  start  CPU of a one-page export against CPU of `volc-im --help`.
  limit  against `demo-server` at its default 100 requests a second with the client
         at its default: pages per second, requests the server refused as over the
         limit (the server refuses whatever would put more than 100 into any one
         second), and CPU per page against the same export unlimited.
  memory peak resident size of an export of the three conversations against the
         first alone, per added conversation (the added ones wait behind the first,
         reading ahead).

    bench_vs_sdk.py --volc-im PATH [--runs N] [--only p2|p3|start|limit|memory]... [--no-archive]
    bench_vs_sdk.py sdk-loop ENDPOINT CONVERSATION...   (one SDK run; prints JSON)
"""

import argparse
import atexit
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ACCESS_KEY = "AKLTdemo0volcim0000000000000000"
SECRET_KEY = "demo-secret-key-of-volc-im"
REGION = "cn-north-1"
APP_ID = 100001
GROUP = 7300000000000000001
DIRECT = 7300000000000000002
LIVE = 7300000000000000003
NEWEST = 9223372036854775807
ACTION = "GetConversationMessages"


def sdk_service(endpoint):
    """The SDK's client for the endpoint, as its documentation builds one."""
    from volcengine.ApiInfo import ApiInfo
    from volcengine.Credentials import Credentials
    from volcengine.ServiceInfo import ServiceInfo
    from volcengine.base.Service import Service

    scheme, host = endpoint.split("://", 1)
    info = ServiceInfo(
        host.rstrip("/"),
        {"Accept": "application/json"},
        Credentials(ACCESS_KEY, SECRET_KEY, "rtc", REGION),
        5,
        30,
        scheme=scheme,
    )
    apis = {
        ACTION: ApiInfo("POST", "/", {"Action": ACTION, "Version": "2020-12-01"}, {}, {})
    }
    return Service(info, apis)


def body(conversation, cursor):
    return json.dumps(
        {
            "AppId": APP_ID,
            "ConversationShortId": conversation,
            "Cursor": cursor,
            "Limit": 20,
            "Reverse": 1,
        }
    )


def sdk_loop(endpoint, conversations):
    """One SDK run: every conversation's whole history, page after page."""
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    service = sdk_service(endpoint)
    pages = messages = 0
    for conversation in conversations:
        cursor, has_more = NEWEST, True
        while has_more:
            result = json.loads(service.json(ACTION, {}, body(conversation, cursor)))["Result"]
            pages += 1
            messages += len(result.get("Messages") or [])
            has_more = result.get("HasMore", False)
            cursor = result.get("NewCursor", cursor)
    print(
        json.dumps(
            {
                "pages": pages,
                "messages": messages,
                "loop_wall": time.perf_counter() - started_wall,
                "loop_cpu": time.process_time() - started_cpu,
            }
        )
    )


class Server:
    """A `volc-im demo-server` child on a free loopback port."""

    def __init__(self, volc_im, *args, log_requests=False):
        argv = [volc_im, "demo-server", "--port", "0", *args]
        if log_requests:
            argv.append("--log-requests")
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=quiet_env()
        )
        self.endpoint = None
        for line in self.proc.stdout:
            found = re.match(r"listening on (http://\S+)", line)
            if found:
                self.endpoint = found.group(1)
            if line.startswith("Latency "):
                break
        if not self.endpoint:
            raise SystemExit("the demo server did not say where it listens")
        self.statuses = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("{"):
                self.statuses.append(json.loads(line).get("status"))

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_HOME = tempfile.mkdtemp(prefix="volc-im-bench-")
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)


def quiet_env():
    """Demo credentials, and config and state directories of our own."""
    env = dict(os.environ)
    env.update(
        VOLC_ACCESSKEY=ACCESS_KEY,
        VOLC_SECRETKEY=SECRET_KEY,
        HOME=_HOME,
        XDG_CONFIG_HOME=os.path.join(_HOME, "config"),
        XDG_STATE_HOME=os.path.join(_HOME, "state"),
        XDG_DATA_HOME=os.path.join(_HOME, "data"),
    )
    env.pop("VOLC_IM_LOG", None)
    return env


def run(argv, stdout=subprocess.DEVNULL):
    """Runs a child to its end: (wall seconds, CPU seconds, peak RSS in KiB, stdout)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE, env=quiet_env())
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv[:3]} failed: {err.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, out


def unlimited(volc_im):
    """The arguments that lift the client's own limit: `--max-qps`, or for builds
    without it a config file at the highest `max_qps` they accept."""
    usage = subprocess.run([volc_im, "export", "--help"], capture_output=True, text=True).stdout
    if "--max-qps" in usage:
        return ["--max-qps", "1000000"]
    config = os.path.join(_HOME, "unlimited.toml")
    with open(config, "w") as f:
        f.write("max_qps = 10000\n")
    return ["--config", config]


_OUTPUT = os.path.join(_HOME, "export.jsonl")


# Exports keep the archive, as the command does by default, unless --no-archive is
# given (P2 is measured both ways whatever this says).
NO_ARCHIVE = []
NO_ARCHIVE_FLAG = []


def export_argv(volc_im, endpoint, conversations, *extra, output=_OUTPUT, archive=None):
    argv = [volc_im, "export", "--endpoint", endpoint, "--app-id", str(APP_ID)]
    for c in conversations:
        argv += ["--conversation", str(c)]
    keep = NO_ARCHIVE if archive is None else ([] if archive else NO_ARCHIVE_FLAG)
    return argv + ["--newest-first", "--output", output, *keep, *extra]


def interleaved(runs, a, b):
    """Runs `a` and `b` `runs` times each, in the order a b b a a b ...; their results."""
    ra, rb = [], []
    for i in range(runs):
        if i % 2 == 0:
            ra.append(a())
            rb.append(b())
        else:
            rb.append(b())
            ra.append(a())
    return ra, rb


med = statistics.median


def fmt_range(values, scale=1.0, digits=1):
    return f"{min(values) * scale:.{digits}f}–{max(values) * scale:.{digits}f}"


def p2(volc_im, runs, archive):
    server = Server(volc_im, "--max-qps", "0")
    try:
        conversations = [GROUP, DIRECT, LIVE]
        sdk_argv = [sys.executable, os.path.abspath(__file__), "sdk-loop", server.endpoint]
        sdk_argv += [str(c) for c in conversations]
        lift = unlimited(volc_im)

        # Both sides read the same messages: check once, keep the page count.
        *_, out = run(sdk_argv, stdout=subprocess.PIPE)
        reference = json.loads(out)
        with tempfile.NamedTemporaryFile(suffix=".jsonl") as f:
            run(export_argv(volc_im, server.endpoint, conversations, *lift, output=f.name, archive=archive))
            exported = sum(1 for _ in open(f.name, "rb"))
        if exported != reference["messages"]:
            raise SystemExit(f"volc-im wrote {exported} messages, the SDK read {reference['messages']}")
        pages = reference["pages"]

        def sdk():
            wall, cpu, _, out = run(sdk_argv, stdout=subprocess.PIPE)
            loop = json.loads(out)
            return wall, cpu, loop["loop_wall"], loop["loop_cpu"]

        def ours():
            whole = run(export_argv(volc_im, server.endpoint, conversations, *lift, archive=archive))[:2]
            one = run(
                export_argv(volc_im, server.endpoint, [DIRECT], "--max-messages", "20", *lift, archive=archive)
            )
            return whole + one[:2]

        s, v = interleaved(runs, sdk, ours)
    finally:
        server.stop()
    sdk_rate = med(pages / r[2] for r in s)
    sdk_rate_whole = med(pages / r[0] for r in s)
    sdk_cpu = med(r[3] / pages for r in s)
    sdk_cpu_whole = med(r[1] / pages for r in s)
    our_rate_whole = med(pages / r[0] for r in v)
    our_cpu_whole = med(r[1] / pages for r in v)
    # Past the first page: the whole export less a one-page export of the same
    # process, so that start-up counts on neither side.
    our_rate = med((pages - 1) / max(r[0] - r[2], 1e-9) for r in v)
    our_cpu = med(max(r[1] - r[3], 0.0) / (pages - 1) for r in v)
    what = "with the archive" if archive else "--no-archive"
    print(f"P2  {what}: {len(conversations)} conversations, {pages} pages a run, {runs} runs each, interleaved")
    print(
        f"    SDK loop       {sdk_rate:8.0f} pages/s  {sdk_cpu * 1e6:7.0f} µs CPU/page"
        f"   (loop alone; whole process: {sdk_rate_whole:.0f} pages/s, {sdk_cpu_whole * 1e6:.0f} µs/page)"
    )
    print(
        f"    volc-im export {our_rate:8.0f} pages/s  {our_cpu * 1e6:7.0f} µs CPU/page"
        f"   (past the first page; whole process: {our_rate_whole:.0f} pages/s, {our_cpu_whole * 1e6:.0f} µs/page)"
    )
    print(
        f"    ratio: {our_rate / sdk_rate:.1f}x the pages/s (target >= 15), "
        f"1/{sdk_cpu / max(our_cpu, 1e-9):.1f} of the CPU/page (target <= 1/15), both without start-up;"
        f" whole processes: {our_rate_whole / sdk_rate_whole:.1f}x, 1/{sdk_cpu_whole / our_cpu_whole:.1f}"
    )


def replayed_round_trip(endpoint, count=21):
    """Median round trip of one signed request sent again and again on one connection."""
    import http.client

    from volcengine.auth.SignerV4 import SignerV4

    service = sdk_service(endpoint)
    request = service.prepare_request(service.api_info[ACTION], {})
    request.headers["Content-Type"] = "application/json"
    request.body = body(GROUP, NEWEST)
    SignerV4.sign(request, service.service_info.credentials)
    target = request.build().split(request.host, 1)[1]
    host, port = request.host.split(":")
    conn = http.client.HTTPConnection(host, int(port))
    times = []
    for _ in range(count):
        started = time.perf_counter()
        conn.request("POST", target, body=request.body, headers=dict(request.headers))
        response = conn.getresponse()
        response.read()
        times.append(time.perf_counter() - started)
        if response.status != 200:
            raise SystemExit(f"the replayed request got HTTP {response.status}")
    conn.close()
    return med(times[1:])


def p3(volc_im, runs):
    server = Server(volc_im, "--max-qps", "0", "--latency-ms", "50")
    try:
        rtt = replayed_round_trip(server.endpoint)
        walls = [run(export_argv(volc_im, server.endpoint, [GROUP]))[0] for _ in range(runs)]
        after = replayed_round_trip(server.endpoint)
    finally:
        server.stop()
    floor = 30 * med([rtt, after])
    wall = med(walls)
    print(f"P3  30-page export, --latency-ms 50, {runs} runs")
    print(
        f"    kept-alive round trip {med([rtt, after]) * 1e3:.2f} ms (before {rtt * 1e3:.2f}, after {after * 1e3:.2f});"
        f" floor 30 x = {floor * 1e3:.0f} ms"
    )
    print(
        f"    export {wall * 1e3:.0f} ms (runs {fmt_range(walls, 1e3, 0)} ms): "
        f"{wall / floor:.3f}x the floor (target <= 1.02)"
    )


def startup(volc_im, runs):
    server = Server(volc_im, "--max-qps", "0")
    try:
        one_page = export_argv(volc_im, server.endpoint, [DIRECT], "--max-messages", "20")
        e, h = interleaved(runs, lambda: run(one_page), lambda: run([volc_im, "--help"]))
    finally:
        server.stop()
    export_cpu, help_cpu = med(r[1] for r in e), med(r[1] for r in h)
    print(f"start  {runs} runs each, interleaved")
    print(
        f"    one-page export {export_cpu * 1e3:.2f} ms CPU (wall {med(r[0] for r in e) * 1e3:.2f} ms);"
        f" --help {help_cpu * 1e3:.2f} ms CPU (wall {med(r[0] for r in h) * 1e3:.2f} ms)"
    )
    print(f"    ratio {export_cpu / help_cpu:.2f} (target <= 2)")


def at_limit(volc_im, runs):
    limited = Server(volc_im, log_requests=True)
    free = Server(volc_im, "--max-qps", "0")
    conversations = [GROUP, DIRECT, LIVE]
    lift = unlimited(volc_im)
    try:
        def at_the_limit():
            # A run is shorter than a second: the server's window must be empty
            # of the run before, as for an export started on its own.
            time.sleep(1.1)
            return run(export_argv(volc_im, limited.endpoint, conversations))

        def unlimited_run():
            # The same pause first: on a shared virtual machine a process started
            # after a second of idle costs more CPU for the same work (its start-up
            # alone, which both runs include, can take twice as long), and the
            # comparison is of what waiting between pages costs, not of that.
            time.sleep(1.1)
            return run(export_argv(volc_im, free.endpoint, conversations, *lift))

        lim, unl = interleaved(runs, at_the_limit, unlimited_run)
    finally:
        limited.stop()
        free.stop()
        limited.reader.join(timeout=5)
    statuses = limited.statuses
    refused = sum(1 for s in statuses if s == 429)
    pages = sum(1 for s in statuses if s == 200) // runs
    rate = med(pages / r[0] for r in lim)
    cpu_lim, cpu_unl = med(r[1] / pages for r in lim), med(r[1] / pages for r in unl)
    print(f"limit  100 requests/s (server and client defaults), {pages} pages a run, {runs} runs")
    print(
        f"    {rate:.1f} pages/s (runs {fmt_range([pages / r[0] for r in lim])}); "
        f"server: {len(statuses)} requests, {refused} refused as over the limit"
    )
    print(
        f"    CPU/page {cpu_lim * 1e6:.0f} µs at the limit, {cpu_unl * 1e6:.0f} µs unlimited:"
        f" {cpu_lim / cpu_unl:.2f}x (target <= 1.5)"
    )


def memory(volc_im, runs):
    server = Server(volc_im, "--max-qps", "0")
    lift = unlimited(volc_im)
    try:
        one, three = interleaved(
            runs,
            lambda: run(export_argv(volc_im, server.endpoint, [GROUP], *lift))[2],
            lambda: run(export_argv(volc_im, server.endpoint, [GROUP, LIVE, DIRECT], *lift))[2],
        )
    finally:
        server.stop()
    per = (med(three) - med(one)) / 2
    print(f"memory  peak RSS, {runs} runs each")
    print(
        f"    the group alone {med(one) / 1024:.1f} MiB; with the live group and the direct chat"
        f" waiting behind it {med(three) / 1024:.1f} MiB: {per:.0f} KiB per added conversation (target <= 512)"
    )


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "sdk-loop":
        sdk_loop(sys.argv[2], [int(c) for c in sys.argv[3:]])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--volc-im", required=True, help="the volc-im binary to measure")
    parser.add_argument("--runs", type=int, default=7, help="runs of each side (default 7)")
    parser.add_argument(
        "--no-archive", action="store_true", help="export with --no-archive beyond P2 (the default keeps the archive)"
    )
    parser.add_argument(
        "--only", choices=["p2", "p3", "start", "limit", "memory"], action="append", help="run only these"
    )
    args = parser.parse_args()
    only = set(args.only or ["p2", "p3", "start", "limit", "memory"])
    usage = subprocess.run([args.volc_im, "export", "--help"], capture_output=True, text=True).stdout
    if "--no-archive" in usage:
        NO_ARCHIVE_FLAG.append("--no-archive")
        if args.no_archive:
            NO_ARCHIVE.append("--no-archive")
    print(
        f"volc-im: {args.volc_im}; load average {os.getloadavg()[0]:.2f};"
        f" exports {'without' if NO_ARCHIVE else 'with'} the archive beyond P2"
    )
    if "p2" in only:
        p2(args.volc_im, args.runs, archive=False)
        p2(args.volc_im, args.runs, archive=True)
    if "p3" in only:
        p3(args.volc_im, args.runs)
    if "start" in only:
        startup(args.volc_im, max(args.runs, 20))
    if "limit" in only:
        at_limit(args.volc_im, args.runs)
    if "memory" in only:
        memory(args.volc_im, max(args.runs // 2, 3))
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
