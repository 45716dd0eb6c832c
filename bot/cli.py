"""The `bot` command: run the assistant, train it, check it against the held-out set."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Callable, Dict, List, Optional

from bot.model import ensure_model
from bot.retention import start_automatic_purge
from bot.servers import ServerError, Stack, stop_on_sigterm, supervise
from bot.settings import PROJECT_DIR, SettingsError, load_settings
from bot.staff import STAFF_COMMANDS, add_staff_parsers
from bot.web import start_demo_site


def cmd_train(args: argparse.Namespace) -> int:
    ensure_model(load_settings())
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    os.umask(0o077)  # conversations and e-mails: for this user only (servers inherit it)
    settings = load_settings()
    stop_on_sigterm()
    stack = Stack(settings)
    try:
        model = ensure_model(settings)
        stack.start_all(model, cors_origins=list(settings.cors_origins))
        start_automatic_purge(settings)  # RETENTION_DAYS, with nobody to remember it
        demo_site = start_demo_site(settings)
        print(
            "\nThe assistant is ready.\n"
            f"  Demo page with the chat widget: {settings.web_url}\n"
            f"  REST channel: POST {settings.rest_url}\n"
            '    e.g. curl -s -XPOST -d \'{"sender": "me", "message": "bonjour"}\' '
            f"{settings.rest_url}\n"
            f"  Conversations stored in {settings.tracker_db}\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        try:
            return supervise(stack, settings.restart_delay_s)
        finally:
            demo_site.shutdown()
    except KeyboardInterrupt:
        return 0
    except ServerError as error:
        print(f"Could not start the assistant: {error}", file=sys.stderr)
        return 1
    finally:
        stack.stop()


def cmd_heldout(args: argparse.Namespace) -> int:
    from bot.heldout import evaluate_and_report

    cases = PROJECT_DIR / args.cases
    score = evaluate_and_report(args.url or load_settings().rest_url, args.output, cases)
    return 0 if score >= args.min_score else 1


def cmd_bench(args: argparse.Namespace) -> int:
    from bot.bench.run import FULL, SMOKE, run_bench
    from bot.datastores import DatastoreError

    plan = SMOKE if args.smoke else FULL
    default_output = "var/bench/benchmarks-smoke.md" if args.smoke else "docs/benchmarks.md"
    output = PROJECT_DIR / (args.output or default_output)
    workdir = PROJECT_DIR / args.workdir / time.strftime("%Y%m%d-%H%M%S")
    command = " ".join(["bot", *sys.argv[1:]])
    try:
        result = run_bench(command, plan, output, workdir)
    except DatastoreError as error:
        print(f"Cannot run the benchmark: {error}", file=sys.stderr)
        return 1
    print(f"Benchmark written to {output} (logs in {workdir}); errors: {result.errors()}.")
    return 1 if result.errors() else 0


COMMANDS: Dict[str, Callable[[argparse.Namespace], int]] = {
    "run": cmd_run,
    "train": cmd_train,
    "heldout": cmd_heldout,
    "bench": cmd_bench,
    **STAFF_COMMANDS,  # validate, review, report, outbox (bot/staff/)
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="train if needed, then start the action server and the Rasa server")
    sub.add_parser("train", help="train a model if data/, config.yml or domain.yml changed")
    heldout = sub.add_parser(
        "heldout", help="send tests/heldout.yml to a running assistant and score the answers"
    )
    heldout.add_argument("--url", help="REST webhook (default: the local one from the settings)")
    heldout.add_argument("--output", help="write the per-topic table (Markdown) to this file")
    heldout.add_argument(
        "--cases",
        default="tests/heldout.yml",
        help="held-out set to send, relative to the project (or tests/heldout-situations.yml)",
    )
    heldout.add_argument("--min-score", type=float, default=0.9, help="exit 1 below this share")
    bench = sub.add_parser(
        "bench", help="train, start and load both configs; write docs/benchmarks.md (~30 min)"
    )
    bench.add_argument("--smoke", action="store_true", help="the same steps with tiny numbers")
    bench.add_argument("--output", help="Markdown file to write, relative to the project")
    bench.add_argument("--workdir", default="var/bench", help="where models and logs go")
    add_staff_parsers(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
