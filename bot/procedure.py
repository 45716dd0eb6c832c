"""Whether a message asks how to join or apply to what it names.

« Comment inscrire mon fils aux cordées de la réussite ? » names a scheme and
asks for the procedure. The classifier rightly reads the scheme; the answer
then also gives the team's contact, since the page gives no procedure
(bot/nlg.py). Matched on the words people use for joining or applying, accents
and case aside; a false positive only adds the team's address to an answer.
"""

from __future__ import annotations

import re
import unicodedata

_JOINING = re.compile(
    r"\b(?:inscri\w*|candidat\w*|postul\w*|adher\w*|rejoindre|integrer|participer"
    r"|dossiers?|formulaires?|demarches?|(?:faire|deposer|envoyer) (?:une |ma |la )?demande"
    r"|apply|applying|application|register|sign(?:ing)? up|enrol\w*)\b"
)


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def asks_how_to_join(text: str) -> bool:
    return bool(_JOINING.search(_plain(text)))
