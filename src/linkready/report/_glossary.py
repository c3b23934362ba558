"""The glossary: the words of record linkage, for commissioners rather than statisticians."""

from __future__ import annotations

from linkready.report._fmt import hcell, tcell
from linkready.report._model import Paragraph, Section, Table

#: (term, meaning). Plain words first; each says why it matters for the figures above.
TERMS: tuple[tuple[str, str], ...] = (
    ("deterministic linkage",
     "Linking two records only when an identifier agrees exactly, here a valid NHS number. "
     "Simple and rarely wrong, but it finds nobody whose NHS number is missing or mistyped."),
    ("probabilistic linkage",
     "Weighing how far several identifiers agree (names, date of birth, sex, postcode, NHS "
     "number) to judge how likely two records are to be the same person. It finds people "
     "exact linkage misses, at the price of a few wrong links."),
    ("valid NHS number",
     "The share of a source's records holding an NHS number that passes the modulus-11 "
     "check and is not a placeholder. A property of one source."),
    ("NHS-number match rate",
     "The share of the left source's records that exact NHS-number linkage links to the "
     "other source. A property of a pair: it needs a valid NHS number on both sides."),
    ("found by NHS number",
     "Of all the links a pair makes, the share that exact NHS-number linkage alone finds; "
     "the rest need probabilistic linkage."),
    ("match rate",
     "The share of the left source's records linked to at least one record in the other "
     "source. It is lowered by poor coverage as well as by linkage error."),
    ("coverage",
     "Whether a person has a record in the other source at all. Someone who is not there "
     "cannot be linked by any method; a low match rate caused by coverage is not a data-"
     "quality problem."),
    ("linkage error",
     "A person who is in both sources but whose records were not linked (a missed match) or "
     "were linked to someone else (a false match). This is what better data can reduce."),
    ("precision and recall",
     "Precision: of the links made, the share that are right. Recall: of the true matches, "
     "the share that were found (1 − the missed-match rate). Measured only where the truth "
     "is known (synthetic data, or a clerically reviewed sample)."),
    ("m and u probabilities",
     "For each identifier, m is the chance it agrees when two records are the same person; "
     "u is the chance it agrees by coincidence when they are not. Their ratio says how much "
     "an agreement (or a disagreement) counts."),
    ("match weight",
     "The sum, over the identifiers compared, of log₂(m / u) for agreement or its "
     "counterpart for disagreement, plus the prior. Higher means more likely the same "
     "person; it turns into a match probability."),
    ("prior (λ)",
     "The chance, before looking at any identifier, that two records picked at random are "
     "the same person. Small when the sources are large; it anchors every match "
     "probability."),
    ("EM (expectation maximisation)",
     "How the model learns the m probabilities from the data alone, without known answers: "
     "it alternates between guessing which pairs match and re-estimating m from the guess."),
    ("blocking",
     "Comparing only pairs of records that share something (e.g. the same NHS number, or "
     "the same surname and year of birth), because comparing every record with every other "
     "is too slow. A true match that no blocking rule brings together can never be linked: "
     "blocking recall says how many are."),
    ("threshold",
     "The match probability at or above which a compared pair is accepted as a link. A "
     "lower threshold finds more matches and more false ones; the threshold chart shows the "
     "trade-off."),
    ("expected match rate",
     "What the model predicts the match rate would be if it linked every record that has a "
     "match: an estimate of coverage made without known answers. Its interval covers model "
     "and blocking uncertainty as well as chance."),
    ("interval",
     "The range the true value most likely lies in (nominally 95%). Shown to 0.1 point; "
     "'±<0.1 points' means both ends round to the same figure."),
    ("suppression",
     "Disclosure control: counts of 1 to 7 are shown as *, other counts are rounded to the "
     "nearest 5, and a rate resting on a count of 1 to 7 is shown as *. Hidden cells are "
     "hatched; they are hidden because they are small, not because they are not "
     "applicable."),
)


def glossary_section(number: int) -> Section:
    """The glossary section: every term the report uses, in plain words."""
    return Section("glossary", number, "Glossary",
                   "The words this report uses, in plain English.",
                   (Paragraph("Each term below is used with this one meaning throughout the "
                              "report."),
                    Table("Terms", ("term", "meaning"),
                          tuple((hcell(t), tcell(m)) for t, m in TERMS))))
