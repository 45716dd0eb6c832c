"""The staff tools run for real: `bot review` and `bot report` on conversations held
through the REST channel, `bot validate` and `bot review --apply` on project copies."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Dict, Iterator, Optional

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from tests.assistant import PROJECT_DIR, Assistant, new_sender
from tests.project_copy import copy_project


def bot(*args: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


# --- bot review and bot report, on real conversations ---------------------------

CONVERSATIONS = [
    ["bonjour", "pour mon fils", "et alors"],  # vague twice, then the team's address
    ["pour mon fils"],
    ["comment renouveler mon passeport ?"],  # out of scope
    ["c'est quoi le parrainage ?", "comment je m'inscris ?"],  # then an escalation
    # Sending to the team: the address typed in the form is neither reviewed nor exported.
    ["c'est quoi vvv ?", "/send_to_team", "/affirm", "dominique@exemple.fr", "/deny"],
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """An assistant of its own: the shared one also receives the fuzzing tests' messages."""
    running = Assistant(Path(tmp_path_factory.mktemp("staff"))).start()
    try:
        for messages in CONVERSATIONS:
            sender = new_sender()
            for message in messages:
                running.send(message, sender)
        yield running
    finally:
        running.stop()


def test_review_lists_the_unsure_messages_grouped_and_exports_them(
    store: Assistant, tmp_path: Path
) -> None:
    export = tmp_path / "a-etiqueter.yml"
    result = bot("review", "--export", str(export), env=store.env())
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    fils = next(line for line in lines if " pour mon fils " in line)
    assert int(fils.split()[0]) >= 2 and "clarification" in fils
    assert "hors sujet" in next(line for line in lines if "passeport" in line)
    assert "escalade" in next(line for line in lines if "comment je m'inscris ?" in line)
    assert not any("parrainage ?" in line or "dominique@" in line for line in lines), lines
    # The export is Rasa NLU data, each message under the model's best guess.
    examples = {m.get("text"): m.get("intent") for m in load_data(str(export)).intent_examples}
    assert examples["comment renouveler mon passeport ?"] == "out_of_scope"
    assert "pour mon fils" in examples
    assert not any("@" in text for text in examples)
    assert "bot review --apply" in export.read_text(encoding="utf-8")


def test_report_prints_a_table_and_writes_an_html_page_with_charts(
    store: Assistant, tmp_path: Path
) -> None:
    today = date.today().isoformat()
    page = tmp_path / "rapport.html"
    result = bot(
        "report", "--since", today, "--until", today, "--output", str(page), env=store.env()
    )
    assert result.returncode == 0, result.stderr
    conversations = int(re.search(r"Conversations : (\d+)", result.stdout).group(1))
    assert conversations >= len(CONVERSATIONS)
    assert re.search(r"Messages non compris : [1-9]\d* \(\d+ %\)", result.stdout)
    assert re.search(r"Renvoyés vers l'équipe : [1-9]\d* \(\d+ %\)", result.stdout)
    assert "Parrainage" in result.stdout
    assert f"Rapport avec graphiques : {page}" in result.stdout
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") == 3 and 'lang="fr"' in html
    assert not re.search(r"(src|href)=", html)  # self-contained: nothing fetched

    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    later = bot("report", "--since", tomorrow, "--output", str(page), env=store.env())
    assert "Messages reçus : 0" in later.stdout


def test_a_bad_date_gets_a_french_message() -> None:
    result = bot("report", "--since", "01/12/2026")
    assert result.returncode == 2
    assert "format attendu : AAAA-MM-JJ" in result.stderr


# --- bot validate, on a broken copy ------------------------------------------------


def _edit(path: Path, old: str, new: str) -> int:
    """Replaces `old` once and returns the 1-based line where `new` starts."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return text[: text.index(new)].count("\n") + 1


def test_validate_reports_each_problem_with_file_and_line(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    nlu, domain = project / "data/nlu/context.yml", project / "domain.yml"
    block = nlu.read_text().split("- intent: vvv")[1].split("- intent:")[0]
    vvv_examples = [line for line in block.splitlines() if line.startswith("    - ")]
    for line in vvv_examples[14:]:
        _edit(nlu, line + "\n", "")  # 14 left
    duplicate = (
        _edit(
            nlu,
            "- intent: acse\n  examples: |\n",
            "- intent: acse\n  examples: |\n    - parrainage emploi\n",
        )
        + 2
    )
    orphan = _edit(domain, "  - deny\n", "  - deny\n  - orphan\n") + 1
    empty = _edit(
        domain, '- text: "Je vous en prie ! Avez-vous une autre question ?"', '- text: ""'
    )
    link = _edit(
        domain,
        '- text: "Au revoir, et merci de votre visite !"',
        '- text: "Au revoir, voyez [notre site](www.exemple) !"',
    )
    english = (
        _edit(
            domain,
            "        Entendu. Si vous avez une autre question, je reste à votre disposition.",
            "        Okay, thanks for your visit, see you soon.",
        )
        - 1
    )
    phone = (
        _edit(
            domain,
            "        Ville Vie Vacances (VVV) est un dispositif",
            "        Appelez le 04 67 00 00 00. Ville Vie Vacances (VVV) est un dispositif",
        )
        - 1
    )
    heldout = project / "tests/heldout.yml"
    cases = heldout.read_text(encoding="utf-8")
    cases = re.sub(r'  - text: "[^"]*"\n    expect: thank\n', "", cases)
    # A training line in capitals, without its question mark: the same to the model.
    heldout.write_text(
        cases + '  - text: "C\'EST QUOI LA DRJSCS"\n    expect: about_office\n', encoding="utf-8"
    )
    close_case = len(heldout.read_text(encoding="utf-8").splitlines()) - 1

    env = {**Assistant(tmp_path).env(), "CONTACT_EMAIL": "pas-une-adresse"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "validate", "--project", str(project)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = result.stdout
    assert result.returncode == 1, out
    vvv_line = nlu.read_text().splitlines().index("- intent: vvv") + 1
    employment = (project / "data/nlu/employment.yml").read_text().splitlines()
    sponsorship = employment.index("    - parrainage emploi") + 1
    drjscs = nlu.read_text().splitlines().index("    - c'est quoi la DRJSCS ?") + 1
    expected = [
        f"data/nlu/context.yml:{vvv_line} : l'intent « vvv » n'a que 14 exemples",
        f"data/nlu/employment.yml:{sponsorship} : l'exemple « parrainage emploi » (intent "
        f"« sponsorship ») figure déjà sous « acse », ligne data/nlu/context.yml:{duplicate}.",
        f"domain.yml:{empty} : la réponse « utter_thank » est vide.",
        f"domain.yml:{link} : la réponse « utter_goodbye » contient un lien mal formé : "
        "« www.exemple »",
        f"domain.yml:{english} : la réponse « utter_deny » ne semble pas rédigée en français.",
        f"domain.yml:{phone} : la réponse « utter_vvv » cite « 04 67 00 00 00 », absent de la page",
        "bot/topics.yml:",
        "le sujet « thank » n'a que 0 cas dans le jeu de test tests/heldout.yml (au moins 5).",
        f"tests/heldout.yml:{close_case} : le cas « C'EST QUOI LA DRJSCS » est presque "
        "identique (similarité 100 %) à l'exemple « c'est quoi la DRJSCS ? » "
        f"(data/nlu/context.yml:{drjscs})",
        f"domain.yml:{orphan} : l'intent « orphan » n'est utilisé dans aucune règle",
        f"domain.yml:{orphan} : l'intent « orphan » n'a aucun exemple",
        "rasa data validate : The intent 'orphan' is not used in any story or rule.",
        "CONTACT_EMAIL (paramètres) : « pas-une-adresse » n'est pas une adresse e-mail valide.",
    ]
    missing = [line for line in expected if line not in out]
    assert missing == [], out


def test_validate_passes_on_the_project() -> None:
    result = bot("validate", "--no-rasa")
    assert result.returncode == 0, result.stdout
    assert "tout est en ordre" in result.stdout


# --- bot review --apply, on a copy ---------------------------------------------------


def test_apply_adds_labelled_examples_keeping_the_file_and_refuses_bad_ones(
    tmp_path: Path,
) -> None:
    project = copy_project(tmp_path / "project")
    education = project / "data/nlu/education.yml"
    original = education.read_text(encoding="utf-8")
    new = "l'ecole ouverte cet ete c'est pour quel age"
    labelled = tmp_path / "etiquete.yml"
    labelled.write_text(
        'version: "3.1"\nnlu:\n'
        f"- intent: open_school\n  # comment kept by staff\n  examples: |\n    - {new}\n"
        "- intent: not_an_intent\n  examples: |\n    - bla bla\n"
        "- intent: acse\n  examples: |\n    - parrainage emploi\n"
        # A held-out case (tests/heldout.yml) with other case and punctuation.
        "- intent: about_office\n  examples: |\n    - Que fait la DRJSCS, exactement ?\n"
        # A case of the second held-out set (tests/heldout-situations.yml).
        "- intent: goodbye\n  examples: |\n    - Je ferme la fenêtre ; à une prochaine fois !\n",
        encoding="utf-8",
    )
    heldout = (project / "tests/heldout.yml").read_text(encoding="utf-8").splitlines()
    case_line = heldout.index('  - text: "que fait la DRJSCS exactement ?"') + 1
    refused = bot("review", "--apply", str(labelled), "--project", str(project))
    assert refused.returncode == 1
    assert "Rien n'a été ajouté" in refused.stdout
    assert "l'intent « not_an_intent » n'existe pas" in refused.stdout
    assert "« parrainage emploi » : déjà un exemple de « sponsorship »" in refused.stdout
    assert (
        "« Que fait la DRJSCS, exactement ? » : presque identique (similarité 100 %) au cas "
        f"« que fait la DRJSCS exactement ? » du jeu de test (tests/heldout.yml:{case_line})"
    ) in refused.stdout
    situations = (project / "tests/heldout-situations.yml").read_text(encoding="utf-8")
    situation_line = situations.splitlines().index(
        '  - text: "je ferme la fenêtre, à une prochaine fois"'
    )
    assert (f"du jeu de test (tests/heldout-situations.yml:{situation_line + 1})") in refused.stdout
    assert education.read_text(encoding="utf-8") == original

    labelled.write_text(
        f'version: "3.1"\nnlu:\n- intent: open_school\n  examples: |\n    - {new}\n',
        encoding="utf-8",
    )
    applied = bot("review", "--apply", str(labelled), "--project", str(project))
    assert applied.returncode == 0, applied.stdout
    assert "1 exemple(s) ajouté(s) à data/nlu/education.yml" in applied.stdout
    changed = education.read_text(encoding="utf-8")
    # Only the new line, at the end of the open_school block: comments and layout kept.
    assert changed.replace(f"    - {new}\n", "", 1) == original
    block = changed.split("- intent: open_school")[1].split("- intent:")[0]
    assert block.rstrip().endswith(f"- {new}")
    again = bot("review", "--apply", str(labelled), "--project", str(project))
    assert again.returncode == 1 and "déjà un exemple de « open_school »" in again.stdout
