"""The parts of a message: what it asks, one question at a time, and one reply built from them.

A message is cut where its own structure says it asks more than one thing, in any of the three
languages, never on one phrasing:

- its sentences: each question is a part; a statement before a question is context for it
  ("My mother is HER2 positive. What can she take?" is one part, told with its context);
- coordinated questions inside a sentence: "what is X and when is it used" asks two things,
  cut where a conjunction is followed by a question word ("and how", "et comment", "y cómo");
- comparisons: "X versus Y", "X compared with Y", "the difference between X and Y" ask about
  each side.

Each part is then answered on its own (the chain condenses it against the parts before it, so
"and how is it given?" leans on the part it follows), and ``combine`` makes one Draft: every
part's quotes, each part labelled, a part the page does not cover said so while the others
are still answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.compose import Draft, PartPlan, Span, content_terms, merge_spans
from assistant.facets import asked_for, facets_of, subject_facets
from assistant.lexicon import fold

MAX_PARTS = 4
MIN_PART_WORDS = 2
# spans a part may add to what the whole message chose
PART_SPANS = 2

_QUESTION_WORDS = {
    "en": r"what|whats|when|which|how|why|who|whom|where|is|are|was|were|does|do|did|can|could|"
          r"should|will|would|may|might|has|have|any|tell me|explain|describe|list|name|define|"
          r"say|give|summarize|summarise|outline",
    "fr": r"qu|que|quoi|quel|quelle|quels|quelles|comment|quand|pourquoi|combien|ou|où|est-ce|"
          r"est ce|y a-t-il|peut-on|peut on|peut-elle|dois-je|faut-il|lequel|laquelle|lesquels|"
          r"définis|définissez|dis-moi|dites-moi|explique|expliquez|donne|donnez|résume|résumez",
    "es": r"qué|que|cuál|cual|cuáles|cuales|cómo|como|cuándo|cuando|por qué|por que|cuánto|"
          r"cuanto|cuántos|cuantos|dónde|donde|quién|quien|hay|se puede|puedo|puede|debo|es|son|"
          r"define|defina|dime|dígame|explica|explique|enumera|resume|resuma",
}
# ("n" and "&" as people type "and": "whats the drug for that n does it go with chemo")
_AND = {"en": r"and|also|plus|as well as|then|and then|n|&",
        "fr": r"et|aussi|ainsi que|puis|ensuite", "es": r"y|e|también|además|luego|después"}
# a preposition before the question word ("..., and for which women?", "et pour qui ?")
_BY = {"en": r"for|in|to|with|from|by|on|at|of|after|before",
       "fr": r"pour|dans|à|a|avec|de|chez|par|après|apres|avant",
       "es": r"para|en|a|con|de|por|después de|despues de|antes de"}
_IF = {"en": r"if|when|once", "fr": r"si|quand|une fois", "es": r"si|cuando|una vez"}
_SENTENCE = re.compile(r"(?<=[?!.])\s+|\n+")
_COMPARE = {
    "en": re.compile(r"\s+(?:vs\.?|versus|compared (?:to|with)|as opposed to|differs? from|"
                     r"(?:is |are )?different from)\s+", re.I),
    "fr": re.compile(r"\s+(?:vs\.?|versus|par rapport (?:à|a|aux|au)|comparée? (?:à|a|aux|au)|"
                     r"diff[èe]rent?e?s? (?:de|du|des)|diff[èe]rent (?:de|du|des))\s+", re.I),
    "es": re.compile(r"\s+(?:vs\.?|versus|frente a|comparad[oa]s? con|en comparación con|"
                     r"difiere de|(?:es |son )?diferentes? (?:de|del|a|al))\s+", re.I),
}
_BETWEEN = {
    "en": re.compile(r"\b(?:diff\w*|compare|comparison)s?\s+between\s+(.+?)\s+and\s+"
                     r"(.+)", re.I),
    "fr": re.compile(r"\bdifférences?\s+entre\s+(.+?)\s+et\s+(.+)", re.I),
    "es": re.compile(r"\bdiferencias?\s+entre\s+(.+?)\s+y\s+(.+)", re.I),
}


# "between X before and after menopause": one subject with two sides, not two subjects
_SHARED = {"before", "after", "during", "with", "without", "pre", "post", "early", "late", "avant",
           "apres", "après", "antes", "despues", "después", "con", "sin", "avec", "sans",
           # a status and its opposite: "hormone receptor negative vs positive stage 4"
           "positive", "negative", "positif", "négatif", "negatif", "négative", "positivo",
           "positiva", "negativo", "negativa"}


@dataclass(frozen=True)
class Part:
    """One part of a message: what it asks (``label``, shown to the person) and the text it is
    answered from (the label with the statements that come before it)."""

    label: str
    text: str


def split_parts(message: str, language: str = "en") -> list[Part]:
    """The parts a message asks, in order. A message that asks one thing is one part."""
    lang = language if language in _QUESTION_WORDS else "en"
    words = _QUESTION_WORDS[lang]
    # a question opens the sentence or one of its clauses ("X vs Y - who gets which")
    asks = re.compile(rf"(?:^|\s[-\u2013\u2014]\s|[:,]\s)\W*(?:(?:{_AND[lang]})\W+)?"
                      rf"(?:{words})\b", re.I)
    opens = re.compile(rf"^\W*(?:(?:{_AND[lang]})\W+)?(?:{words})\b", re.I)
    # ... or by a condition that a question follows ("..., and if she is, which drugs?"),
    # or a phrase that says for whom or what ("..., and for a post-menopausal woman which?")
    coordinated = re.compile(rf",?\s+(?:{_AND[lang]})\s+(?=(?:(?:{_BY[lang]})\s+"
                             rf"(?:[^\s,;?]+\s+){{0,5}})?(?:{words})\b|"
                             rf"(?:{_BY[lang]})\s+(?:qui|quién|quien)\b|"
                             rf"(?:{_IF[lang]})\b[^,;?]{{1,60}},\s*(?:{words})\b"
                             # "..., and if she is which drugs?" (no comma after the condition)
                             rf"|{_POINTS_BACK}\s+(?:{words})\b)", re.I)
    sentences = [s.strip() for s in _SENTENCE.split(message.strip()) if s and s.strip()]
    parts: list[Part] = []
    context: list[str] = []
    for sentence in sentences:
        end = sentence.rstrip()[-1:]
        # a sentence told with a full stop asks only when it opens with a question word
        question = end == "?" or bool((opens if end in ".!" else asks).search(sentence))
        if not question:
            context.append(sentence)
            continue
        sides = _compared(sentence, lang, coordinated)
        pieces = sides or [p for p in coordinated.split(sentence) if p]
        for number, piece in enumerate(pieces):
            piece = piece.strip(" ,;")
            if not sides and number == 0 and len(pieces) > 1 and not piece.endswith("?") \
                    and not re.search(rf"\b(?:{words})\b", piece, re.I):
                context.append(piece)  # "mum started verzenio and has had the runs, is that
                continue  # known?": what comes before the question tells its situation
            if not sides and len(re.findall(r"\w+", piece)) < MIN_PART_WORDS:
                # too little to be a part of its own: "... and why?" goes with the part before
                # it, "ok and ..." with the one after
                if parts:
                    last = parts[-1]
                    parts[-1] = Part(f"{last.label} {piece}", f"{last.text} {piece}")
                else:
                    context.append(piece)
                continue
            parts.append(Part(piece, " ".join([*context, piece])))
            context = []
    if not parts:
        return [Part(message.strip(), message.strip())]
    parts = _unelided(parts, lang)
    if context:  # statements after the last question still tell about it
        last = parts[-1]
        parts[-1] = Part(last.label, " ".join([last.text, *context]))
    if len(parts) > MAX_PARTS:  # a long list of questions: the last ones are asked together
        head, tail = parts[:MAX_PARTS - 1], parts[MAX_PARTS - 1:]
        parts = [*head, Part(" ".join(p.label for p in tail), " ".join(p.text for p in tail))]
    return parts


# a condition that only points back ("..., and if she is, which drugs?", "et si c'est le cas,
# ...", "y si es así, ..."): it supposes what the part before asked whether
_POINTS_BACK = (r"(?:if|when)\s+(?:so|(?:she|he|it|they|you|i|we)\s+(?:is|are|am|was|were|does|"
                r"do|did|has|have|had))")
_ELIDED = {
    "en": re.compile(r"^\W*(?:and\s+)?" + _POINTS_BACK + r"\b(?=\W*,|\s+(?:which|what|how|who|"
                     r"is|are|does|do|can|would|will|should)\b)", re.I),
    "fr": re.compile(r"^\W*(?:et\s+)?si\s+(?:c'est|c’est|c est)\s+le\s+cas\b(?=\W*,)", re.I),
    "es": re.compile(r"^\W*(?:y\s+)?(?:si\s+(?:es\s+así|es\s+asi|lo\s+es|así\s+es)|en\s+ese\s+"
                     r"caso)\b(?=\W*,)", re.I),
}
_WHETHER = {"en": r"if|whether", "fr": r"si", "es": r"si"}
# a question that leaves out what it asks about ("... and which are for HER2-negative?") and the
# words of the part before that name it ("which targeted drugs")
_NOUNLESS = {
    "en": re.compile(r"^\W*(?:and\s+)?(which|what)(?:\s+ones?)?(?=\s+(?:are|is)\b)", re.I),
    "fr": re.compile(r"^\W*(?:et\s+)?(lesquel(?:le)?s|lequel|laquelle)(?=\s)", re.I),
    "es": re.compile(r"^\W*(?:y\s+)?(cuáles|cuales|cuál|cual)(?=\s+(?:son|es)\b)", re.I),
}
_NAMED_KIND = {
    "en": r"\b(?:which|what)\s+((?:[\w-]+\s+){0,3}?(?:drugs?|treatments?|therapies|therapy|"
          r"medicines?|medications?|options?|pills?))\b",
    "fr": r"\b(?:quel(?:le)?s?)\s+((?:médicaments?|medicaments?|traitements?|thérapies?|"
          r"therapies?)(?:\s+(?!sont\b|est\b|pour\b|de\b)[\w-]+)?)\b",
    "es": r"\b(?:qué|que)\s+((?:fármacos?|farmacos?|medicamentos?|tratamientos?|terapias?)"
          r"(?:\s+(?!son\b|es\b|para\b|de\b|se\b)[\w-]+)?)\b",
}


def _unelided(parts: list[Part], lang: str) -> list[Part]:
    """A part whose condition only points back is answered with the condition written out
    ("if she is, which hormonal therapy would fit?" after "how could they check if she's in
    menopause now": "if she's in menopause now, which ..."), and one that leaves out what it
    asks about with the words of the part before that name it ("which are for
    HER2-negative?" after "which targeted drugs are for HER2-positive cancer": "which targeted
    drugs are for HER2-negative?")."""
    out = parts[:1]
    for part in parts[1:]:
        elided = _ELIDED[lang].match(part.text)
        asked = elided and re.search(rf"\b(?:{_WHETHER[lang]})\s+([^,;?]+)", out[-1].label, re.I)
        if elided and asked:
            written = f"{_WHETHER[lang].split('|')[0]} {asked.group(1).strip()}"
            part = Part(part.label, written + part.text[elided.end():])
        nounless = _NOUNLESS[lang].match(part.text)
        kind = nounless and re.search(_NAMED_KIND[lang], out[-1].label, re.I)
        if nounless and kind:  # "which are for HER2-negative?" after "which targeted drugs ..."
            part = Part(part.label, f"{nounless.group(1)} {kind.group(1)}"
                        + part.text[nounless.end():])
        out.append(part)
    return out


def _compared(sentence: str, lang: str, coordinated: re.Pattern[str]) -> list[str] | None:
    """The two sides of a comparison, each asked about as the sentence asks: what is asked
    after the second side is asked of both ("X vs Y - who is each for?"), and a short second
    side takes the place of the end of the first ("how is it given before menopause versus
    after menopause" -> "... before menopause", "how is it given after menopause")."""
    between = _BETWEEN[lang].search(sentence)
    if between and between.group(1).split()[-1].lower() not in _SHARED:
        # "the difference between X and Y, and which one is ... for?": a question coordinated
        # after the second side is a part of its own
        second, *rest = [p.strip(" ,;") for p in coordinated.split(between.group(2))
                         if p.strip(" ,;")] or [between.group(2)]
        # "... and post menopausal, im 50 and dont know which one i am": what follows a comma
        # is a part of its own when it asks, and tells the situation when it does not
        second, _, after = second.partition(", ")
        if after and re.match(rf"\W*(?:{_QUESTION_WORDS[lang]})\b", after, re.I):
            rest.insert(0, after)
        # "between menopause, post-menopause and premenopause": each term listed is a side
        listed = [t.strip() for t in between.group(1).split(",") if t.strip()]
        firsts = listed if all(len(t.split()) <= 4 for t in listed) else [between.group(1)]
        return [*firsts, second.rstrip(" ?."), *rest]
    sides = _COMPARE[lang].split(sentence, maxsplit=1)
    if len(sides) != 2:
        return None
    first, second = sides
    # "X vs Y - who is each one for?": what is asked after the second side is asked of both
    head, sep, tail = (re.split(r"(\s+[-\u2013\u2014]+\s+|:\s+|,\s+)", second, maxsplit=1)
                       + ["", ""])[:3]
    ahead, behind = re.findall(r"\S+", first), re.findall(r"\S+", head)
    if tail and ahead and behind and ahead[-1].lower() in _SHARED \
            and behind[0].lower() in _SHARED and len(behind) > 1:
        # "hormone therapy before vs after menopause - what's different?": each side whole
        # before what is asked of both
        first, head = " ".join([*ahead, *behind[1:]]), " ".join([*ahead[:-1], *behind])
        second = f"{head}{sep}{tail}"
    if tail and re.match(rf"\W*(?:{_QUESTION_WORDS[lang]})\b", tail, re.I):
        asked = [q.strip(" ,;?") for q in coordinated.split(tail) if q.strip(" ,;?")]
        if len(asked) > 1 and len(head.split()) <= 4:  # "X vs Y - who gets which, and how
            # are they taken": each question asked of each side
            return [f"{side}{sep}{q}" for q in asked[:2] for side in (first, head)]
        first, second = f"{first}{sep}{tail}", f"{head}{sep}{tail}"
    ahead, behind = re.findall(r"\S+", first), re.findall(r"\S+", second)
    if ahead and behind and ahead[-1].lower() in _SHARED and behind[0].lower() in _SHARED \
            and len(behind) > 1:
        # "hormone therapy before vs after menopause": the first side ends where the second
        # goes on, so both sides share what comes after ("... before menopause")
        first = " ".join([*ahead, *behind[1:]])
        ahead = re.findall(r"\S+", first)
    shared_at = [i for i, w in enumerate(ahead) if w.lower() in _SHARED]
    if shared_at and shared_at[-1] + 1 < len(ahead) and len(behind) > 1:
        # "after menopause versus women who haven't reached it yet": "it" is what the first
        # side was before or after ("... haven't reached menopause yet")
        thing = ahead[shared_at[-1] + 1].strip("?.!,")
        second = re.sub(r"\b(?:it|that|elle|ella)\b(?=[\s?.!,]|$)", thing, second, count=1)
        behind = re.findall(r"\S+", second)
    if len(behind) == 1 and behind[0].lower().strip("?.!") in _SHARED and shared_at:
        # "... for women before menopause versus after?": the second side is the first with
        # its word of time or company swapped ("... for women after menopause")
        swap = shared_at[-1]
        second = " ".join([*ahead[:swap], behind[0].strip("?.!"), *ahead[swap + 1:]])
    elif len(behind) <= 3 < len(ahead) and not re.match(rf"(?:{_QUESTION_WORDS[lang]})\b",
                                                        second, re.I):
        # "how is it different before menopause versus after menopause": the second side
        # takes the place of as many words at the end of the first
        second = " ".join(ahead[:-len(behind)] + behind)
    elif not re.match(rf"\W*(?:{_QUESTION_WORDS[lang]})\b", second, re.I) and re.match(
            rf"\W*(?:{_QUESTION_WORDS[lang]})\b", first, re.I):
        # "what targeted options exist for HER2-positive versus HER2-negative stage 4 breast
        # cancer?": the second side is asked what the first is, from the word it stands for
        # ("HER2-negative" for "HER2-positive")
        stem = fold(behind[0])[:4]
        at = [i for i, w in enumerate(ahead) if i and len(stem) == 4 and fold(w).startswith(stem)]
        if at:
            second = " ".join(ahead[:at[-1]] + behind)
    if all(len(re.findall(r"\w+", s)) >= MIN_PART_WORDS for s in (first, second)):
        return [first, second]
    return None


def combine(whole: Draft, plans: list[PartPlan], max_spans: int) -> Draft:
    """One Draft for a message of several parts: each part's own spans first (a few each),
    then what the whole message's reading chose; a part no quote answers is declared not
    covered while the others are still answered. The kind is ``answer`` when any part is
    answered
    (``personal_advice`` when a part asks what to do about one's own treatment: its general
    information is still quoted)."""
    chosen: list[Span] = []

    def add(span: Span) -> bool:
        for i, s in enumerate(chosen):
            if s.doc is span.doc and s.start < span.end and span.start < s.end:
                # a passage that overlaps a chosen one and goes beyond it ("... When given
                # alone, it is usually continued until ..."): the quote grows to hold both
                if span.start < s.start or span.end > s.end:
                    chosen[i] = Span(s.doc, min(s.start, span.start), max(s.end, span.end),
                                     s.section)
                return False
        chosen.append(span)
        return True

    for i, plan in enumerate(plans):
        before = plans[i - 1] if i else None
        if (before is not None and plan.leans and before.kind != "answer"
                and not _of_a_page_subject(before) and not plan.named):
            # "what is trodelvy and is it given for ...": what the first part asks about is
            # not on the page, so neither is what the second asks of it (but "how often is
            # Herceptin given, and who gets it?": Herceptin is on the page, only how often is
            # not; "what's perimenopause, and what's post-menopause?" names its own subject)
            plan.kind, plan.spans, plan.topic = "not_in_document", [], before.topic
    if whole.kind == "not_in_document":
        # the whole message asks something the page does not cover; a part read alone can
        # seem answered by a passage that only shares its words ("is there a website?" after
        # "how do I find a clinical trial near me?"): it stays answered when its quotes say
        # something of a subject of the page it names itself ("what is letrozole used for,
        # and what's the usual dose")
        for plan in plans:  # a whole list asked by facets stands ("which drugs are pills?")
            if plan.kind == "answer" and not plan.complete and not _grounded(plan):
                plan.kind, plan.spans, plan.topic = "not_in_document", [], whole.topic
    for plan in plans:
        if plan.kind == "answer":
            kept = plan.spans if plan.complete else _first_passages(plan.spans, PART_SPANS)
            for span in kept:
                add(span)
            plan.spans = kept
    budget = max(max_spans, _passages(chosen))
    # the items of a list a part chose by facets stay as chosen: the whole message's reading
    # does not grow them into the whole list ("AC versus EC": two items, not every
    # combination)
    exact = [s for p in plans if p.kind == "answer" and p.complete for s in p.spans
             if any(u.kind == "item" or u.text.rstrip().endswith(":")
                    for u in s.doc.units if s.start <= u.start < s.end)]
    for span in whole.spans if whole.kind != "not_in_document" else []:
        if _passages(chosen) >= budget:
            break
        if any(e.doc is span.doc and e.start < span.end and span.start < e.end
               for e in exact):
            continue
        if add(span):
            owner = _owner(span, plans)
            if owner is not None:
                owner.spans.append(span)
    advice = any(p.advice for p in plans)
    answered = [p for p in plans if p.kind == "answer" and p.spans]
    for plan in plans:
        if plan.kind == "answer" and not plan.spans:
            plan.kind = "not_in_document"
    if not answered:  # no part is answered: the whole message's reading stands
        whole.parts = plans
        return whole
    draft = Draft(kind="personal_advice" if advice else "answer", question=whole.question,
                  standalone_question=whole.standalone_question,
                  spans=merge_spans(chosen), language=whole.language,
                  emergency=whole.emergency, notes=list(whole.notes))
    draft.parts = plans
    return draft


def _passages(spans: list[Span]) -> int:
    """How many passages the spans quote: a list's items count with their lead-in ("The
    following combinations ...:" with "docetaxel and capecitabine" is one passage)."""
    firsts = (next((u for u in s.doc.units if u.start == s.start), None) for s in spans)
    return sum(1 for u in firsts if u is None or u.kind != "item")


def _of_a_page_subject(plan: PartPlan) -> bool:
    """Whether what a part asks that the page does not cover is something of a subject the
    page has ("treatment schedules for trastuzumab (Herceptin)"), not a subject it lacks
    ("everolimus", "natural remedies")."""
    topic = fold(plan.topic or "")
    return any(fold(s) in topic for s in plan.resolved)


def _grounded(plan: PartPlan) -> bool:
    """Whether a part's quotes name a subject the part names, or make the kind of statement it
    asks for, in a passage that says something of it (a list's lead-in alone says nothing)."""
    # a part that leans on the one before and asks a kind of statement the page makes (what
    # a treatment is for, what it depends on, ...) is grounded by what it refers to ("how
    # often is Herceptin given, and who gets it?"; not "... and does it hurt?")
    asks_a_kind = asked_for(plan.standalone) or asked_for(plan.question)
    # "... are both covered, and what does it say?": what the page says of the subject before
    says = bool(_WHAT_IT_SAYS.search(fold(plan.question)))
    resolved = plan.resolved if plan.leans and asks_a_kind or says else []
    subjects = [fold(s) for s in (*plan.subjects, *resolved)]
    # ... or a subject facet it names, said of in the quote ("is there a pill for the breast
    # cancer gene thing (BRCA)?" and olaparib's "who have a BRCA gene mutation")
    named = facets_of(plan.question) & subject_facets()
    # ... or the glossary entry of a headword it names ("The time after menopause." is the
    # entry for post-menopause)
    # ... or the kind of statement it asks, made in the quote's own words ("can it be cured?"
    # and "Treatments cannot completely cure ...")
    kinds = set(asks_a_kind)
    return any((s in fold(span.text) and not _lead_in(span))
               or (span.section.startswith("Glossary >")
                   and s in fold(span.section.split(" > ")[-1]))
               for span in plan.spans for s in subjects) or any(
        (named | kinds) & facets_of(span.text) and not _lead_in(span) for span in plan.spans)


_WHAT_IT_SAYS = re.compile(r"\bwhat (?:does|do|did|can|will) (?:it|this|the page|they) "
                           r"(?:say|tell|mention)\b")


def _lead_in(span: Span) -> bool:
    """A list's lead-in ("The following are treatment options for ..."), however it ends."""
    units = span.doc.units
    unit = next((u for u in units if u.start == span.start), None)
    if unit is None or span.end > unit.end + 1:
        return False
    after = units[unit.index + 1] if unit.index + 1 < len(units) else None
    return after is not None and after.kind == "item" and after.antecedent == unit.index


def _first_passages(spans: list[Span], count: int) -> list[Span]:
    """The spans of the first ``count`` passages: a list's lead-in and the items of it that
    follow count as one passage."""
    kept: list[Span] = []
    lead: int | None = None
    for span in spans:
        unit = next((u for u in span.doc.units if u.start == span.start), None)
        item_of_lead = unit is not None and lead is not None and unit.kind == "item" \
            and unit.antecedent == lead
        if not item_of_lead:
            if count == 0:
                break
            count -= 1
        kept.append(span)
        # the lead-in is the span's last unit ("Abemaciclib ... is used for ... It is taken as
        # pill daily and may be given:")
        last = next((u for u in span.doc.units if u.start < span.end <= u.end), unit)
        if last is not None and span.text.rstrip().endswith(":"):
            lead = last.index
        elif not item_of_lead:
            lead = None
    return kept


def _owner(span: Span, plans: list[PartPlan]) -> PartPlan | None:
    """The answered part whose words the span shares most (the first on a tie)."""
    words = content_terms(span.text)
    best, score = None, 0
    for plan in plans:
        if plan.kind != "answer":
            continue
        shared = len(words & content_terms(plan.standalone or plan.question))
        if best is None or shared > score:
            best, score = plan, shared
    return best
