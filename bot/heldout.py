"""Scoring the held-out set (tests/heldout.yml) through the real REST channel.

A case is correct when the bot's reply holds the answer that the rules give to
its expected topic (the first response of the rule starting with that intent).
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import requests
import yaml

from bot.settings import PROJECT_DIR

# Every held-out set, as paths relative to the project: each is kept apart from
# the training data (bot validate, bot review --apply). The second one was
# written blind, from people's situations rather than the schemes' names.
HELDOUT_SETS = ("tests/heldout.yml", "tests/heldout-situations.yml")
HELDOUT_FILE = PROJECT_DIR / HELDOUT_SETS[0]
MARKER_CHARS = 60


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def step_intents(step: dict) -> List[str]:
    """The intents of a rule's step: its `intent`, or those of its `or`."""
    if "intent" in step:
        return [step["intent"]]
    return [alternative["intent"] for alternative in step.get("or", []) if "intent" in alternative]


def _first_response_by_intent(project_dir: Path) -> Dict[str, str]:
    first: Dict[str, str] = {}
    for rules_file in sorted((project_dir / "data" / "rules").glob("*.yml")):
        for rule in yaml.safe_load(rules_file.read_text(encoding="utf-8")).get("rules", []):
            steps = rule.get("steps", [])
            utter = next(
                (s["action"] for s in steps if s.get("action", "").startswith("utter_")), None
            )
            if not steps or not utter:
                continue
            for intent in step_intents(steps[0]):
                first.setdefault(intent, utter)
    return first


def answer_markers(project_dir: Path = PROJECT_DIR) -> Dict[str, str]:
    """For each intent, a fixed piece of text that its answer always starts with."""
    responses = yaml.safe_load((project_dir / "domain.yml").read_text(encoding="utf-8"))[
        "responses"
    ]
    markers = {}
    for intent, utter in _first_response_by_intent(project_dir).items():
        text = _normalise(responses[utter][0]["text"]).split("{")[0]
        markers[intent] = text[:MARKER_CHARS]
    return markers


@dataclass(frozen=True)
class Result:
    text: str
    expected: str
    answered: str  # the topic recognised in the reply, or a short excerpt

    @property
    def correct(self) -> bool:
        return self.expected == self.answered


def recognise(reply: List[dict], markers: Dict[str, str], expected: str = "") -> str:
    """The topic whose answer the reply holds; the expected one first, since two
    topics can share an answer (nlu_fallback and vague: the clarification)."""
    texts = [_normalise(message.get("text") or "") for message in reply]
    ordered = sorted(markers.items(), key=lambda item: item[0] != expected)
    for intent, marker in ordered:
        if any(text.startswith(marker) for text in texts):
            return intent
    return "« " + (texts[0][:50] if texts else "(no reply)") + " »"


def evaluate(url: str, cases: Optional[List[dict]] = None) -> List[Result]:
    cases = cases if cases is not None else load_cases()
    markers = answer_markers()
    results = []
    with requests.Session() as session:
        for case in cases:
            reply = session.post(
                url, json={"sender": f"heldout-{uuid.uuid4()}", "message": case["text"]}, timeout=30
            )
            reply.raise_for_status()
            answered = recognise(reply.json(), markers, case["expect"])
            results.append(Result(case["text"], case["expect"], answered))
    return results


def load_cases(path: Path = HELDOUT_FILE) -> List[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]


def score(results: List[Result]) -> float:
    return sum(r.correct for r in results) / len(results)


def _counts(results: List[Result]) -> Tuple[Counter, Counter]:
    total, correct = Counter(), Counter()
    for result in results:
        total[result.expected] += 1
        correct[result.expected] += result.correct
    return total, correct


def topic_scores(results: List[Result]) -> Dict[str, float]:
    total, correct = _counts(results)
    return {topic: correct[topic] / total[topic] for topic in total}


def report(results: List[Result]) -> str:
    total, correct = _counts(results)
    lines = [
        f"Held-out set: {sum(correct.values())}/{len(results)} correct ({score(results):.1%}).",
        "",
        "| topic | cases | correct | score |",
        "|---|---:|---:|---:|",
    ]
    for topic in sorted(total, key=lambda t: (correct[t] / total[t], t)):
        lines.append(
            f"| {topic} | {total[topic]} | {correct[topic]} | {correct[topic] / total[topic]:.0%} |"
        )
    misses = [r for r in results if not r.correct]
    if misses:
        lines += ["", "Misses:", "", "| message | expected | answered |", "|---|---|---|"]
        lines += [f"| {r.text.replace('|', '/')} | {r.expected} | {r.answered} |" for r in misses]
    return "\n".join(lines) + "\n"


def evaluate_and_report(url: str, output: Optional[str], cases_file: Path) -> float:
    results = evaluate(url, load_cases(cases_file))
    text = report(results)
    print(text)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    return score(results)
