"""Emergencies and crises, whatever the words: concepts combined by conditions
(``assistant/data/emergency.yaml``), read only where they are told as now, and a semantic
backstop (the nearest plain-language descriptions in ``assistant/data/emergency_examples.tsv``,
by MiniLM similarity) that can add an alarm the rules missed, never remove one.

Recall first: a false alarm costs a sentence above the answer, a miss can cost a life.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from assistant.lexicon import fold
from assistant.rails.spelling import correct_in_place

# the order urgent messages come in: a crisis about suicide always first (9-8-8 and 911)
REPLY_ORDER = ("suicide", "general", "fever")
# how much nearer an emergency than any ordinary message a piece must be for the backstop to
# raise an alarm: as low as the ordinary rows of the question files allow (they stay under 1%
# false alarms; README "Emergencies" gives the figures)
BACKSTOP_MARGIN = 0.22
# ... lower for thoughts of suicide, whose words have no end and whose target is every one
# (it costs one false alarm on the 1,674 ordinary rows of the question files)
SUICIDE_MARGIN = 0.12
# the backstop compares at most this many pieces of a message (a few thousand words); the
# concept rules read all of it
MAX_PIECES = 400

_SENTENCE_END = re.compile(r"[.!?;\n]+(?=\s|$)|\s[-\u2013\u2014]+\s|\.{2,}")
# "so" ends a clause as a conjunction, not as an intensifier ("i'm so confused by the names"
# is one clause); "y" is Spanish "and", not the French "il y a" ("il y a trois semaines",
# Quebec "y'a une demi-heure"); an aside in brackets is a clause of its own ("she called me by
# her sister's name (her sister passed in 2015)")
_INTENSIFIED = r"(?<!\bam )(?<!\bim )(?<!\bi m )(?<!\bis )(?<!\bs )(?<!\bre )(?<!\bare )" \
    r"(?<!\bwas )(?<!\bwere )(?<!\bbe )(?<!\bbeen )(?<!\bfeel )(?<!\bfeels )(?<!\bfelt )" \
    r"(?<!\bget )(?<!\bgot )(?<!\blook )(?<!\blooks )(?<!\bnot )(?<!\bjust )(?<!\bever )"
_CONJUNCTION = (r"\b(?:and|but|then|" + _INTENSIFIED + r"so|though|although|while|because|whereas|"
                r"et|mais|puis|alors|pendant que|parce que|(?<!\bil )y(?! a\b| avait\b)|pero|"
                r"mientras|porque|luego|entonces)\b")
_CLAUSE_END = re.compile(r"[,:()\[\]]|" + _CONJUNCTION)
# the backstop's pieces keep an aside with its clause: a bracketed name alone ("(Halaven)")
# is too short a piece to compare
_PIECE_END = re.compile(r"[,:]|" + _CONJUNCTION)
# saying one does not think of it: a negation for the rules, and no crisis for the backstop
_DENIED_THOUGHTS = (r"not thinking (?:of|about)|never thought (?:of|about)|no thoughts of|"
                    r"ne pense pas a|no pienso en|"
                    # having no such thoughts: "no tengo pensamientos de hacerme dano"
                    r"(?:dont|do not|never) (?:have|had) (?:any )?thoughts (?:of|about)|"
                    r"no (?:tengo|he tenido|tiene|ha tenido) (?:pensamientos|ideas) de|"
                    r"n (?:ai|a) (?:pas|jamais|aucune?) (?:de |d )?(?:pensees?|idees?) (?:de|d)|"
                    r"aucune (?:pensee|idee) (?:de|d)")
_NEGATORS = re.compile(r"(?:\b(?:no|without|sans|sin|never|jamais|nunca|denies|aucune?|"
                       r"ningun[ao]?|not any|free of|pas de|pas d|ni|" + _DENIED_THOUGHTS + r"|"
                       r"not planning to|not going to|no plans? to|no intention (?:of|to)|"
                       r"aucune intention de|pas l intention de|ninguna intencion de|"
                       r"no tengo (?:la )?intencion de|sin intencion de|"
                       r"not having|not feeling|nothing|rien de|"
                       r"nada|plus de|plus eu de|pas eu de|no ha tenido|no he tenido|no more|"
                       r"no longer has|no longer have|"
                       r"(?:not|never|havent|hasnt) had (?:a single|any|a|an|another)|"
                       # "i'm guessing that's not a fever" (not "she isn't breathing")
                       r"(?:isnt|is not|s not|thats not|its not|wasnt|was not) (?:a|an))\s+)"
                       # "no numbness or weakness", "ni fievre ni frissons"
                       r"(?:\w+\s+(?:or|nor|ni|ou|o|and)\s+)?(?:\w+\s+)?$")
_AGAIN = re.compile(r"\b(?:another|again|once more|une autre|un autre|encore une|otra vez|otro|"
                    r"otra|de nuevo)\b")
# "i'm not thinking of hurting myself", "not in danger": said, it is no crisis for the
# backstop (the rules read the same words through their negation)
_DENIAL = re.compile(r"\b(?:" + _DENIED_THOUGHTS + r"|not suicidal|not going to hurt|"
                     r"je ne suis pas suicidaire|no estoy pensando en|not in danger|i m safe|"
                     r"i am safe|pas en danger|no estoy en peligro|dont want to die|"
                     r"(?:je ne suis|je suis) pas suicidaire|no (?:soy|estoy) suicida|"
                     r"no tengo (?:pensamientos|ideas) suicidas|not feeling suicidal|"
                     r"do not want to die|not (?:scared|afraid) of dying|ne veux pas mourir|"
                     r"no quiero morir\w*|not giving up on life|"
                     # "i'd never hurt myself", "je ne me ferais jamais de mal"
                     r"(?:would|d|will|ll) never (?:hurt|harm|kill|do anything to) "
                     r"(?:myself|herself|himself)|ne (?:me|se) ferai[st]? jamais (?:de )?mal|"
                     r"nunca (?:me|se) haria (?:dano|nada))\b")
# a person the clause is about: after a clause about an animal, a clause that names nobody
# goes on about the animal ("my dog has been vomiting and had diarrhea since this morning")
_PERSON = re.compile(r"\b(?:i|im|ive|me|my|she|shes|he|hes|her|his|him|we|our|you|mom|mum|dad|"
                     r"mother|father|wife|husband|je|j|moi|ma|mon|elle|il|lui|nous|yo|mi|ella|"
                     r"el|nosotros|mama|papa|maman)\b")
# a clause about a pet ("our dog had a seizure") is not about a person
_ANIMAL = re.compile(r"\b(?:dog|dogs|cat|cats|pet|puppy|kitten|chien|chienne|chat|chatte|perro|"
                     r"perra|gato|gata|mascota|perrit[oa]|gatit[oa]|chiot|chaton|veterinari\w*|"
                     r"vet|veterinaire)\b")
# ... nor one about fiction ("a character in a show had a seizure"), nor those after it that
# say nothing of their own
_FICTION = re.compile(r"\b(?:character|protagonist|personaje|protagonista|personnage|chapter|"
                      r"capitulo|chapitre|(?:writing|escribiendo|ecris) (?:a|an|una|un|my|mi|mon) "
                      r"(?:novel|novela|roman|story|historia|book|libro|livre)|"
                      r"watched (?:a|the) (?:show|movie|film|series|episode)|"
                      r"in (?:a|the) (?:show|movie|film|series|book|novel|story)|"
                      r"(?:dans|en) (?:le|la|un|une|el) (?:roman|novela|film|pelicula|serie|livre|"
                      r"libro|histoire|historia) (?:que|qu))\b")
# a clause that asks what a word means: "what is hypercalcemia", "c'est quoi une embolie"
_DEFINITION = re.compile(r"^(?:what (?:even |exactly |actually )?(?:is|are)|c est quoi|"
                         r"qu est ce qu (?:un|une|le|la)|que es|que son|what does) "
                         r"(?:a |an |the |un |une |el |la )?\w+(?: \w+)?(?: mean)?$")
_ALMOST = re.compile(r"\b(?:almost|nearly|presque|quasiment|quasi|casi)\s+")
# a hedge after a negation: "i can't really feel my legs" is "i can't feel my legs"
_HEDGED = re.compile(r"\b(cant|cannot|couldnt|dont|doesnt|didnt) (?:really|quite|actually|"
                     r"totally|fully|properly|exactly) ")
# intensifiers of a negation: "je ne pense pas du tout a me faire du mal" reads "pas a me faire"
_AT_ALL = re.compile(r"\b(?:du tout|at all|para nada|en absoluto|en lo absoluto)\s+")
_SELF = re.compile(r"\b(my|her|him|your|it) self\b")
# a clause told of oneself: it ends the story a person is telling about someone invented
_SELF_TOLD = re.compile(r"\b(?:i|im|ive|me|my|je|j|moi|yo|me|mi)\b")
# temperature readings of 38 C / 100.4 F and more (not ages or weights)
_UNIT_AFTER = r"(?!\s*(?:kg|kilo|lb|pound|cm|mm|mg|ml|%|year|yr|ans|an\b|ano|week|semaine|dose))"
_TEMPERATURES = [
    re.compile(rf"\b(?:3[89]|4[0-2])(?:[.,]\d+)?\s*(?:°|º|degrees?|degres?|grados?|c\b){_UNIT_AFTER}"),
    re.compile(rf"\b(?:3[89]|4[0-2])[.,]\d\b{_UNIT_AFTER}"),
    re.compile(rf"\b(?:10[0-6])(?:[.,]\d+)?\s*(?:°|º|degrees?|f\b){_UNIT_AFTER}"),
    re.compile(rf"\b10[0-6][.,]\d\b{_UNIT_AFTER}"),
    re.compile(rf"\b(?:temp\w*|fever|fievre|fiebre|thermomet\w*|termometro|reading|a|de)\s+"
               rf"(?:is |of |at |was |de |a |reads |said |says |over |above |)"
               rf"(?:3[89]|4[0-2]|10[0-6])\b{_UNIT_AFTER}"),
]

# a calcium reading well above the normal range, in mmol/L (3.0 and more, as Canadian labs give
# it) or mg/dL (12 and more), within a few words of the word calcium ("my calcium came back
# 14.2"); a reading just over the range (2.7, 10.6) is for the team, not an emergency
_CALCIUM = re.compile(
    r"\b(calci(?:um|o)(?:\W+(?!\d)[a-z]+){0,4}\W+)"
    r"(?:[34][.,]\d\d?|1[2-9](?:[.,]\d\d?)?)\b"
    r"(?![.,]\d)(?!\s*(?:mg\b(?!\s*/\s*dl)|mcg|iu|ui|units?|%|tablets?|pills?|days?|weeks?|months?|"
    r"years?|yrs?|hours?|times|x\b|ans|anos|jours|dias|semaines|semanas))")

# a count of pills of eight and more, in digits or words ("around 16 pills since yesterday",
# "quince pastillas"): "manypills" (a count is no dose table: any number counts)
_COUNT_WORDS = {w: n for n, words in {
    8: "eight huit ocho", 9: "nine neuf nueve", 10: "ten dix diez", 11: "eleven onze once",
    12: "twelve douze doce", 13: "thirteen treize trece", 14: "fourteen quatorze catorce",
    15: "fifteen quinze quince", 16: "sixteen seize dieciseis", 20: "twenty vingt veinte",
    30: "thirty trente treinta", 40: "forty quarante cuarenta", 50: "fifty cinquante cincuenta",
}.items() for w in words.split()}
_PILL_COUNT = re.compile(
    r"\b(\d{1,3}|" + "|".join(_COUNT_WORDS) + r")\s+(?:(?:of|de|d)\s+)?"
    r"(?:(?:my|her|his|the|mes|ses|les|mis|sus|las|los)\s+)?"
    # a strength is no count: "600 mg pills"
    r"(?:(?!(?:mg|mcg|ug|ml|g|gr|milligrams?|micrograms?|grams?|units?|iu)\b)\w+\s+)?"
    r"(pills?|tablets?|capsules?|caplets?|gummies|comprimes?|pilules?|cachets?|gelules?|"
    r"pastillas?|pildoras?|capsulas?)\b"
    # a daily regimen is no overdose: "10 pills a day for my chemo"
    r"(?! (?:a|per|each|every|par|al|por|cada) (?:day|days|week|jour|semaine|dia|semana)\b|"
    r" (?:daily|twice|par jour|al dia|por dia)\b)")


def _pill_counts(folded: str) -> str:
    def swap(match: re.Match[str]) -> str:
        word = match.group(1)
        count = int(word) if word.isdigit() else _COUNT_WORDS[word]
        return f"manypills {match.group(2)}" if count >= 8 else match.group(0)
    return _PILL_COUNT.sub(swap, folded)


# the "if ..." or "when ..." part of a sentence, up to its next comma
_CONDITION = re.compile(r"\b(?:if|whenever|in case|while|si|quand|lorsque|au cas ou|en cas d|"
                        r"pendant que|cuando|en caso de|por si|mientras)\b[^,;:.?!]*")
_NORMAL_TEMPERATURE = re.compile(r"\b(?:3[56][.,]\d|37[.,][0-7]|9[6-9][.,]\d)\b")
# -- told as now? -------------------------------------------------------------------------
_PAST_TIME = re.compile(
    r"\b(?:(?:a (?:few|couple of|couple) |many |several |\d+ |one |two |three |four |five |six |"
    r"some )?(?:years?|months?|decades?|weeks?|cycles?|rounds?|infusions?|treatments?|"
    r"sessions?)(?: and a half)? (?:ago|back|earlier)|"
    r"last (?:year|month|week|"
    r"spring|summer|fall|autumn|winter|christmas|time)|back in|in (?:19|20)\d\d|"
    r"as a (?:child|kid|baby|teen\w*|young)|when (?:she|he|i|they|we) (?:was|were) (?:\d+|young|"
    r"little|a)|long ago|a while back|years before|il y a (?:\d+|un|une|deux|trois|quelques|"
    r"plusieurs) (?:ans?|annees?|mois|semaines?|cycles?|traitements?|seances?|perfusions?)|"
    r"l an dernier|l annee derniere|le mois dernier|"
    r"en (?:19|20)\d\d|hace (?:\d+|un|una|dos|tres|unos|unas|varios|varias|algunos|algunas) "
    r"(?:anos?|meses|mes|semanas?|ciclos?|sesion|sesiones|tratamientos?|infusiones?)|"
    r"el ano pasado|el mes pasado|de (?:petite?|nina|nino)|"
    r"(?:january|february|march|april|june|july|august|september|october|november|"
    r"december) (?:19|20)\d\d|(?:summers?|winters?|springs?|falls?|autumns?|christmases) ago|"
    r"(?:in|en) (?:january|february|march|april|june|july|august|september|october|november|"
    r"december|janvier|fevrier|mars|avril|juin|juillet|aout|septembre|octobre|novembre|"
    r"decembre|enero|febrero|marzo|abril|junio|julio|agosto|septiembre|octubre|noviembre|"
    r"diciembre)|hace (?:meses|anos|semanas)|il y a des (?:mois|annees|semaines)|"
    r"the first time|la premiere fois|la primera vez|(?:during|at|with|after) (?:her|his|my) first|"
    r"(?:lors de|a|pendant) (?:ma|sa|mon|son) premier\w*|(?:en|durante|con) (?:mi|su) primer\w*|"
    r"in the (?:19|20)?\d0s|dans les annees (?:19|20)?\d0|en los (?:anos )?(?:19|20)?\d0|"
    r"of (?:19|20)\d\d|(?:in |on )?may (?:19|20)\d\d|"
    r"on (?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]* \d{1,2}|"
    r"last (?:cycle|round|treatment|infusion|session|course|january|february|march|april|may|"
    r"june|july|august|september|october|november|december)|"
    r"(?:previous|prior) (?:cycle|round|treatment)|\w+ derniere?|\w+ passee?|"
    r"(?:el|la) \w+ pasad[oa]|in (?:late|early|mid) (?:19|20)\d\d|(?:fin|debut) (?:19|20)\d\d|"
    r"a (?:finales|principios) de (?:19|20)\d\d|"
    r"au dernier (?:cycle|traitement)|en el ultimo ciclo|"
    # "does having had a fever once mean ...": what one has had is over
    r"having (?:had|been)|d avoir eu|apres avoir eu|haber tenido|"
    # a year, or a month with a year or a day ("- oct 2018: a fever during ac", "dx 2019",
    # "march 3rd"): the dated lines of a medical history
    r"(?:19|20)\d\d(?!\s*(?:mg|ml|mcg|units?)\b)|"
    r"(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]* (?:\d{1,2}(?:st|nd|rd|th)?|"
    r"(?:19|20)\d\d))\b")
_PAST_TENSE = re.compile(
    r"\b(?:had|was|were|did|died|passed away|attempted|fainted|lost|suffered|collapsed|fell|broke|"
    r"went|got|spent|took|gave|tried|thought|felt|needed|ended|ended up|\w{3,}ed|couldnt|"
    r"could not|didnt|did not|wasnt|werent|a eu|avait|"
    r"etait|a fait|ai fait|ai eu|ai ete|est tombee?|suis tombee?|a ete|avais|tuvo|tuve|fue|"
    r"estuvo|se cayo|me cai|habia|hizo|internaron|me fracture|se fracturo|pase|paso)\b"
    # the French passé composé: "on m'a hospitalisée", "j'ai pris", "elle a glissé"
    r"|(?<!\by )\b(?:ai|a|ont|avons|avez) (?!une\b|des\b|trois\b|mois\b|plus\b|pas\b)"
    r"[a-z]{2,}(?:ee?s?|ie?s?|ue?s?|it)\b")
_NOW = re.compile(
    r"\b(?:now|right now|today|tonight|this (?:morning|afternoon|evening|week)|"
    r"(?<!ever )since(?! then)(?=\s\w)|currently|"
    r"at the moment|still(?! (?:have|has|need|needs|got) to\b)|again|keeps?|getting worse|"
    r"worse|hours?|minutes?|yesterday|"
    # "just fainted", not "just a needle-fainting thing", "just wondering"
    r"just(?! (?:a|an|the|some|one|because|in case|wondering|curious|checking|asking|to)\b)|"
    r"last night|ongoing|suddenly|maintenant|aujourd hui|ce soir|ce matin|"
    r"depuis(?! lors)(?=\s\w)|en ce moment|"
    r"encore|toujours|vient de|soudain\w*|ahora|hoy|esta (?:noche|manana|tarde)|"
    r"desde(?! entonces)(?=\s\w)|todavia|"
    r"sigue|acaba de|de repente|ayer|anoche)\b")
_PRESENT = re.compile(
    r"\b(?:is|are|am|has|(?<!did )have|cant|cannot|wont|doesnt|isnt|feels?|hurts?|looks?|seems?|"
    r"(?<=i )m|keeps?|tiene|tengo|esta|estoy|puede|siente|sont|suis|peut|sent|"
    # "j'arrive plus à respirer", "je suffoque", "me cuesta respirar"
    r"(?:j|n) arrive|arrive (?:plus|pas)|respire|suffoque|etouffe|(?:ai|a) mal|me sens|"
    r"no puedo|no puede|me duele|le duele|me cuesta|le cuesta|siento)\b")
# asked in general or as a hypothetical: "what if she gets a fever?", "is chest pain common?"
_HYPOTHETICAL = re.compile(
    r"\b(?:whether|watch (?:out )?for|look out for|signs? of|symptoms? of|"
    r"warning signs?|is it normal|is it common|common|side effects?|risks?|chances? of|"
    r"can \w+(?: \w+)? cause|could \w+(?: \w+)? cause|does \w+(?: \w+)? cause|cause|causes|"
    r"prevent\w*|avoid\w*|worry about|"
    # whether a treatment stops a sign in general: "do they stop fractures?"
    r"(?:stop|prevent|reduce|lower|protect against|help with) (?:\w+ )?(?:fractures|clots|"
    r"infections|seizures|fevers|falls|strokes|bleeds|blood clots)|"
    r"protect (?:\w+ ){0,2}(?:from|against) (?:\w+ )?(?:fractures|clots|infections|seizures|"
    r"fevers|falls|strokes|bleeds|blood clots)|"
    r"eviter|prevenir|evitar|pour pas avoir|para no tener|"
    r"can (?:you|one|people|patients|someone|a person) (?:have|get)|"
    # "what does a blood clot in the leg feel like?", "what does an allergic reaction look
    # like?", "à quoi ressemble ...", "qu'est-ce qu'on considère comme fièvre"
    r"what (?:does|do|would|did|will) (?:\w+ ){1,7}(?:feel|look|sound|seem) like|"
    r"(?:a quoi|comment) (?:\w+ ){0,2}ressembl\w*|como (?:se ve|luce|se siente|es)\b|"
    r"se considera|considere\w*|"
    r"cuando (?:tengo que|debo|hay que) llamar|quand (?:dois je|faut il) appeler|"
    r"is it possible|peut (?:\w+ ){0,10}(?:donner|causer|provoquer|entrainer)|"
    r"puede (?:\w+ ){0,10}(?:causar|dar|provocar)|counts? as|considered (?:a |an )?|"
    r"what (?:even |exactly |actually |really )?(?:is|are) (?:a|an) |"
    r"^what (?:even |exactly |actually |really )?(?:is|are) (?:the )?\w+(?: \w+)?(?: and| or|$)|"
    # a sign asked about in general: "do i still have to treat every fever like an emergency?"
    r"(?:every|any|each) (?:single |little )?(?:fever|hightemp|temperature|temp|headache|bleed|"
    r"nosebleed|fall|seizure|rash|cough|symptom)s?|(?:like|as) an emergency|"
    r"what (?:does|do) (?:\w+ ){1,5}mean|define|definition|qu est ce que|c est quoi|que es|que son|"
    r"just (?:planning|want to be prepared|in case)|to be prepared|planning ahead|be ready|"
    r"ready if|if it (?:ever )?happens|happens again|wouldnt|would it be|"
    r"when (?:should|do|to) (?:i |we |you )?(?:call|go|worry|seek)|"
    r"how (?:do|would|will) (?:i|we|you) know|what happens|effets? secondaires?|risque|"
    r"efectos? secundarios?|riesgo|sintomas? del?|signos? del?|senales del?|signes? d|signes? de|"
    r"symptomes? d|symptomes? de|more likely|less likely|likelier|more prone|who to call|"
    r"what to do (?:if|when)|just wondering|just curious|quoi faire si|que hacer si|"
    # a question about the condition in general: "is high calcium something that runs in
    # families?", "what symptoms should make me call 911?"
    r"runs? in (?:the )?famil\w*|hereditary|inherited|genetic|something that|"
    r"(?:what|which) (?:symptoms|signs)|for the fridge|"
    r"(?:quels|quelles) (?:symptomes|signes)|(?:que|cuales) (?:sintomas|signos)|"
    r"hereditaire|hereditario)\b")
# a condition: the clause it opens and the rest of the sentence are hypothetical ("she screams
# if we move it" keeps what comes before)
_CONDITIONAL = re.compile(
    r"\b(?:(?<!sure )(?<!know )(?<!wonder )(?<!idea )if|what if|in case|whenever|"
    r"si (?!oui\b|non\b|no\b)\w+|"
    r"en cas de|au cas ou|que faire si|quoi faire si|en caso de|que hacer si|por si|"
    # a sign feared for later: "i don't want to end up with a fever this winter", "i'm so
    # scared of getting a fever"
    r"(?:dont|do not) want (?:\w+ )?to (?:end up with|get|catch|come down with)|"
    r"(?:afraid|scared|worried|nervous) (?:of|about) (?:getting|catching|ending up)|"
    r"(?:peur|crainte) d (?:attraper|avoir|faire)|pour ne pas (?:attraper|avoir|faire)|"
    r"(?:miedo|temor) (?:de|a) (?:tener|agarrar|pescar)|para no (?:tener|agarrar|pescar))\b")
# ... unless it also says something is happening ("she has a fever, is that a side effect?")
_STATEMENT = re.compile(
    r"(?<!\bif )(?<!\bwhen )(?<!\bsi )(?<!\bwhether )\b(?:i|she|he|we|they|my \w+|her \w+|"
    r"his \w+|mom|mum|dad|mother|father|husband|wife)(?: \w+)? "
    r"(?:have(?! to\b)|has(?! to\b)|am|is|are|feel|feels|"
    r"cant|keeps|s|m|ve)\b|(?<!\bsi )\b(?:(?:j ai|elle a|il a)(?! (?:ete|eu|fait|pris|dit|"
    r"\w{3,}e|\w{3,}ee)\b)|(?:elle est|il est|je suis)(?! (?:tombee?|redevenue?|allee?|"
    r"partie?|sortie?|rentree?|venue?|restee?|revenue?|devenue?|passee?|retournee?)\b)|"
    r"tengo(?! que\b)|tiene(?! que\b)|estoy|esta|me duele|le duele)\b")
_UNCERTAIN = re.compile(
    r"\b(?:not sure if|dont know if|no idea if|wonder(?:ing)? if|could (?:this|it|that) be|"
    r"is (?:this|it|that) (?:a|an)|might be|maybe|i think|je ne sais pas si|pas sure? si|"
    r"no se si|sera que)\b")


@dataclass(frozen=True)
class EmergencyFinding:
    """An emergency found in a message: which condition, which reply comes first, and what
    found it (the concept rules or the semantic backstop)."""

    condition: str
    reply: str
    source: str


@dataclass(frozen=True)
class Clause:
    """A piece of a sentence, its words normalized, and whether it is told as now."""

    text: str
    sentence: int
    now: bool
    whole: str = ""  # the sentence it is part of, normalized
    other: bool = False  # about an animal or a story's character, not a person here


@dataclass(frozen=True)
class Concept:
    name: str
    pattern: re.Pattern[str]
    exceptions: re.Pattern[str] | None
    context: bool
    negatable: bool = True
    denial: bool = False  # a clause that denies being in crisis does not count


@dataclass(frozen=True)
class Condition:
    name: str
    reply: str
    when: tuple[frozenset[str], ...]
    always_now: bool = False
    unless: frozenset[str] = frozenset()  # found with them, the condition does not hold


def normalize(folded: str) -> str:
    """Words only: temperature readings become "hightemp" (38 C / 100.4 F and more) or
    "normaltemp" (35.5-37.7 C, 96-99.9 F), calcium readings of 3.0 mmol/L / 12 mg/dL and more
    "highcalcium", eight pills and more "manypills"; "can't" becomes "cant", other apostrophes
    and signs split words; "almost" and its kin go ("ne sent presque plus ses jambes": a sign
    that is nearly there is there), and so does a hedge after a negation ("can't really feel my
    legs")."""
    for pattern in _TEMPERATURES:
        folded = pattern.sub(" hightemp ", folded)
    folded = _CALCIUM.sub(r"\1 highcalcium ", folded)
    folded = _NORMAL_TEMPERATURE.sub(" normaltemp ", folded)
    folded = folded.replace("n't", "nt").replace("n'", "n ")
    folded = _pill_counts(re.sub(r"[^a-z0-9]+", " ", folded).strip())
    folded = _HEDGED.sub(r"\1 ", _AT_ALL.sub("", _ALMOST.sub("", folded + " "))).strip()
    return _SELF.sub(r"\1self", folded)


def _term_regex(term: str) -> str:
    """A term of the vocabulary file as a regex over normalized words."""
    term = fold(term).replace("n't", "nt")
    out = []
    for token in re.split(r"(\s+|[()|?])", term):
        if not token or token.isspace():
            out.append(" " if token else "")
        elif token in "()|?":
            out.append({"(": "(?:", ")": ")", "|": "|", "?": "?"}[token])
        elif token == "_":  # any one word
            out.append("[a-z0-9]+")
        else:
            word = re.sub(r"[^a-z0-9*]+", " ", token.replace("'", " ")).strip()
            out.append(re.escape(word).replace(r"\*", "[a-z0-9]*").replace(r"\ ", " "))
    body = re.sub(r" +", " ", "".join(out)).strip()
    body = body.replace(" )?", ")? ?").replace("( ", "(")  # "(water )?all" -> optional word
    return body


def _alternation(terms: Sequence[str]) -> str:
    return "(?:" + "|".join(sorted({_term_regex(t) for t in terms}, key=len, reverse=True)) + ")"


def _compile(terms: Sequence[str], after: str | None = None, gap: int = 0) -> re.Pattern[str]:
    """The terms as one pattern; with ``after`` (another concept's alternation), a term counts
    only within ``gap`` words after one of that concept's terms ("wish i could just ... not
    wake up")."""
    body = _alternation(terms)
    if after is not None:
        body = after + r"(?: [a-z0-9]+){0," + str(gap) + "} " + body
    return re.compile(r"(?<![a-z0-9])" + body + r"(?![a-z0-9])")


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[tuple[Concept, ...], tuple[Condition, ...], tuple[str, ...]]:
    raw = resources.files("assistant.data").joinpath("emergency.yaml").read_text("utf-8")
    data = yaml.safe_load(raw)
    concepts, words = [], set()
    specs = data["concepts"]
    for name, spec in specs.items():
        terms = [t for lang in ("en", "fr", "es") for t in spec.get(lang, [])]
        after = spec.get("after")
        first = (_alternation([t for lang in ("en", "fr", "es") for t in specs[after][lang]])
                 if after else None)
        concepts.append(Concept(name, _compile(terms, first, int(spec.get("gap", 0))),
                                _compile(spec["except"]) if spec.get("except") else None,
                                bool(spec.get("context")), spec.get("negatable", True),
                                bool(spec.get("denial"))))
        # whole words only: a stem ("demang*") is no word to correct "demain" to
        words |= {w for t in terms for w in re.findall(r"[a-z*]{4,}", fold(t)) if "*" not in w}
    words |= set(data.get("spelling", []))
    conditions = tuple(
        Condition(name, spec["reply"], tuple(frozenset(alt) for alt in spec["when"]),
                  bool(spec.get("always_now")), frozenset(spec.get("unless", [])))
        for name, spec in data["conditions"].items())
    known = {c.name for c in concepts}
    for condition in conditions:
        for alt in (*condition.when, condition.unless):
            if alt - known:
                raise ValueError(f"emergency.yaml: {condition.name} uses unknown {alt - known}")
    return tuple(concepts), conditions, tuple(sorted(words))


@lru_cache(maxsize=1)
def _dialect() -> dict[str, dict[str, str]]:
    """Regional words and their standard forms, by language (emergency.yaml ``dialect``)."""
    raw = resources.files("assistant.data").joinpath("emergency.yaml").read_text("utf-8")
    table = yaml.safe_load(raw).get("dialect") or {}
    return {lang: {fold(k): fold(v) for k, v in words.items()} for lang, words in table.items()}


@lru_cache(maxsize=4)
def _dialect_pattern(language: str) -> re.Pattern[str] | None:
    table = _dialect().get(language)
    if not table:
        return None
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(
        re.escape(w) for w in sorted(table, key=len, reverse=True)) + r")(?![a-z0-9])")


# French elision typed without its apostrophe: "jarrive", "detouffer", "quelle"
_GLUED = re.compile(r"(?<![a-z0-9])(j|l|d|n|m|t|s|c|qu)([aeiouyh][a-z]+)")
# the elided forms of the closed class of short words ("j'ai", "c'est", "qu'il", "n'y")
_GLUED_BEFORE_ANY = {"j", "l", "d", "n", "m", "qu"}  # "s", "t", "c" make words: "savait"
_GLUED_SHORT = {"j": {"ai", "avais", "etais", "y", "en"}, "c": {"est", "etait"},
                "qu": {"il", "ils", "on", "est"}, "n": {"y", "est"}, "s": {"est"}}


@lru_cache(maxsize=1)
def _french_vocabulary() -> tuple[frozenset[str], tuple[str, ...]]:
    """The French words of the vocabulary file (4 letters or more) and its stems
    ("etouffe*")."""
    raw = resources.files("assistant.data").joinpath("emergency.yaml").read_text("utf-8")
    concepts = yaml.safe_load(raw)["concepts"]
    words: set[str] = set()
    stems: set[str] = set()
    for spec in concepts.values():
        for term in spec.get("fr", []):
            for token in re.findall(r"[a-z*]{4,}", fold(term).replace("'", " ")):
                (stems if token.endswith("*") else words).add(token.rstrip("*"))
    return frozenset(words), tuple(s for s in stems if len(s) >= 4)


def unglue_elisions(folded: str) -> str:
    """French typed without apostrophes: a glued elision is split when what follows it is a
    word (or stem) of the vocabulary and the whole is not ("jarrive plus" -> "j arrive plus",
    "jai" -> "j ai", "detouffer" -> "d etouffer"; "jambes" and "sang" stay)."""
    words, stems = _french_vocabulary()

    def split(match: re.Match[str]) -> str:
        whole, rest = match.group(0), match.group(2)
        end = match.end()
        tail = match.string[end:]
        if tail[:1].isalnum():
            return whole  # part of a longer word
        if whole in words or any(whole.startswith(s) for s in stems):
            return whole
        if rest in _GLUED_SHORT.get(match.group(1), ()) or (
                match.group(1) in _GLUED_BEFORE_ANY
                and (rest in words or any(rest.startswith(s) for s in stems))):
            return f"{match.group(1)} {rest}"
        return whole

    return _GLUED.sub(split, folded)


# a Spanish superlative is its adjective: "mareadísima" -> "mareada", "hinchadísimo" -> "hinchado"
_SUPERLATIVE = re.compile(r"\b([a-z]{3,})isim(os|as|o|a)\b")


def standard_forms(folded: str, language: str) -> str:
    """Folded text with its regional words as their standard forms ("je suis pus capable" ->
    "je suis plus capable"; ``dialect`` in emergency.yaml), Spanish superlatives as their
    adjectives, and French elisions typed without apostrophes split ("jarrive" -> "j arrive")."""
    folded = _SUPERLATIVE.sub(r"\1\2", folded)
    if language == "fr":
        folded = unglue_elisions(folded)
    pattern = _dialect_pattern(language)
    if pattern is None:
        return folded
    table = _dialect()[language]
    return pattern.sub(lambda m: table[m.group(0)], folded)


def clauses(folded: str, asides: bool = True) -> list[Clause]:
    """The message cut into sentences and clauses, each marked as told now or not.

    A sentence with a past date and a past tense and nothing of now is history; one that asks
    in general or in a hypothetical ("what if she gets a fever?", "what counts as a fever?")
    and says nothing is happening is not now either; a fragment with no verb ("a fever of 39
    ten days after the second cycle") is told like the sentence before it. Inside a sentence,
    a clause with a past date and nothing of now is history (and so are the clauses after it
    that say nothing of their own), and a clause that says now is now.
    Anything else, uncertain included, counts as now. With ``asides``, a bracketed aside is a
    clause of its own."""
    out: list[Clause] = []
    previous = "now"
    for number, sentence in enumerate(s for s in _SENTENCE_END.split(folded) if s.strip()):
        normal = normalize(sentence)
        # what the sentence states, its "if ..." and "when ..." parts left out
        stated = normalize(_CONDITION.sub(" ", sentence))
        now = bool(_NOW.search(stated) or _UNCERTAIN.search(normal))
        present = bool(_PRESENT.search(stated) or _STATEMENT.search(stated))
        if _HYPOTHETICAL.search(normal) and not (now or _STATEMENT.search(stated)):
            status = "hypothetical"  # asked in general
        elif _PAST_TIME.search(normal) and _PAST_TENSE.search(normal) and not (now or present):
            status = "history"
        elif not (now or present) and (previous == "history" or not _PAST_TENSE.search(normal)):
            # a fragment, or a story in the past tense going on from a dated one ("in 2022 it
            # came back. a ct picked up a small clot."): told like the sentence before it
            status = previous
        else:
            status = "now"
        prior, previous = previous, status
        conditional, before, animal, fiction = False, None, False, False
        cut = _CLAUSE_END if asides else _PIECE_END
        for piece in (normalize(p) for p in cut.split(sentence)):
            if not piece:
                continue
            other = animal or fiction  # the clause before was about an animal or a story
            animal = bool(_ANIMAL.search(piece)) or (animal and not _PERSON.search(piece))
            # "i'm writing a novel where the main character ... has a seizure"
            fiction = bool(_FICTION.search(piece)) or (fiction and not _SELF_TOLD.search(piece))
            states = bool(_STATEMENT.search(piece) or _PRESENT.search(piece))
            if _CONDITIONAL.search(piece):
                conditional = True
            elif states:
                conditional = False  # "not sure if it matters, but her face looks droopy"
            if animal or fiction:
                told = False
            elif _DEFINITION.match(piece):
                told = False  # "what is hypercalcemia, and why do they keep checking it?"
            elif _NOW.search(piece) or _UNCERTAIN.search(piece):
                told = status != "hypothetical" or bool(_STATEMENT.search(piece))
            elif _PAST_TIME.search(piece) and not _PRESENT.search(piece):
                told = False  # history inside a sentence about now ("l'automne dernier, ...")
            elif prior == "history" and _PAST_TENSE.search(piece) and not states:
                told = False  # the dated story goes on ("my mom died two years ago. at the
                # end she couldn't breathe, and i still have nightmares")
            elif conditional:
                told = False
            elif other and _SELF_TOLD.search(piece):
                told = status == "now"  # "tripped over the cat, landed on my wrist": oneself
            elif states or before is None:
                told = status == "now"
            else:
                told = before  # "she fell last year and broke her wrist": like the one before
            before = told
            out.append(Clause(piece, number, told, normal, animal or fiction))
    return out


class EmergencyRules:
    """The concept rules: which conditions a message describes as happening now."""

    def __init__(self) -> None:
        self.concepts, self.conditions, self.words = _vocabulary()

    def _found(self, text: str) -> set[str]:
        found = set()
        for concept in self.concepts:
            masked = concept.exceptions.sub(" _ ", text) if concept.exceptions else text
            if concept.denial and _DENIAL.search(text):
                continue  # "not suicidal, want to be clear", "no tengo pensamientos suicidas"
            for match in concept.pattern.finditer(masked):
                before = masked[:match.start()]
                if concept.negatable and _NEGATORS.search(before[-40:]):
                    continue  # "no fever", "sin fiebre", "pas de frissons"
                found.add(concept.name)
                break
        return found

    def find(self, folded: str, known_words: set[str] | frozenset[str],
             language: str = "en") -> list[EmergencyFinding]:
        """Every condition the message describes, most urgent reply first. Misspellings are
        corrected in English only: French and Spanish words are not English typos."""
        return self.read(folded, known_words, language)[0]

    def read(self, folded: str, known_words: set[str] | frozenset[str],
             language: str = "en") -> tuple[list[EmergencyFinding], frozenset[str]]:
        """``find``'s conditions, and the conditions the message rules out: those whose
        ``unless`` evidence it tells as now ("still passing gas, belly soft", "temp 36.8",
        "been like that for months and my onc knows"), which the backstop must not raise
        either."""
        folded = standard_forms(folded, language)  # "pus capable" -> "plus capable" (Quebec)
        if language == "en":  # a short French message typed fast is often detected as English
            folded = standard_forms(unglue_elisions(folded), "fr")
        # the clauses of the text with its misspellings corrected ("feaver" -> "fever",
        # "sudenly" -> "suddenly"), each read both ways
        parts = clauses(correct_in_place(folded, known_words, self.words)
                        if language == "en" else folded)
        raw = clauses(folded)
        found = [self._found(c.text) for c in parts]
        if len(raw) == len(parts):
            found = [f | self._found(r.text) for f, r in zip(found, raw, strict=True)]
        # a term that runs across clauses ("go to sleep and not wake up") counts in each
        # clause of its sentence
        for number in {c.sentence for c in parts}:
            members = [i for i, c in enumerate(parts) if c.sentence == number]
            whole = self._found(parts[members[0]].whole)  # "pins and needles"
            extra = whole - set().union(*(found[i] for i in members))
            for i in members:
                found[i] |= extra
        for i in range(1, len(parts)):  # "a seizure years ago and another one just now"
            if parts[i].now and _AGAIN.search(parts[i].text):
                found[i] |= found[i - 1]
        context = set().union(*found) if found else set()
        context = {c.name for c in self.concepts if c.context and c.name in context}
        findings: dict[str, EmergencyFinding] = {}
        sentences = sorted({c.sentence for c in parts})
        now = set().union(*(f for f, c in zip(found, parts, strict=True) if c.now)) | context
        ruled_out = frozenset(c.name for c in self.conditions if c.unless & now)
        for condition in self.conditions:
            for s in sentences:
                window = [i for i, c in enumerate(parts) if c.sentence in (s, s + 1)]
                # thoughts of suicide are never history, but a novel's character is not here
                told = set().union(*(found[i] for i in window if parts[i].now or (
                    condition.always_now and not parts[i].other)))
                told |= context
                if any(alt <= told for alt in condition.when) and not condition.unless & told:
                    findings[condition.name] = EmergencyFinding(condition.name, condition.reply,
                                                                "rules")
                    break
        return sorted(findings.values(), key=lambda f: REPLY_ORDER.index(f.reply)), ruled_out


@dataclass
class EmergencyBackstop:
    """Nearest examples by MiniLM similarity: plain-language descriptions of each condition
    (``emergency_examples.tsv``) and the emergencies of the measured blind sets
    (``emergency_labelled.tsv``), against ordinary messages that share their words
    (``emergency_counterexamples.tsv``: past events, worries, mild side effects, idioms; the
    near misses of the measured sets; the ordinary questions of ``intents.tsv``). A piece of a
    message raises an alarm when it is nearer an emergency than any ordinary message by
    ``threshold``.

    It reads each pair of neighbouring clauses told as now, and a description of suicidal
    thoughts in any tense; it only ever adds an alarm. The question files are not among its
    examples: they measure it."""

    embed: Callable[[list[str]], list[list[float]]]
    to_english: Callable[[str, str], str]
    cache: Path | None = None  # where the examples' vectors are kept between starts
    # drug names said as "medicine": an example about one drug must not pull in every
    # ordinary question about that drug
    drug_names: frozenset[str] = frozenset()
    threshold: float = BACKSTOP_MARGIN
    conditions: list[str] = field(default_factory=list)
    positives: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=np.float32))
    negatives: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=np.float32))

    def __post_init__(self) -> None:
        labelled = self._rows("emergency_labelled.tsv")
        positives = self._rows("emergency_examples.tsv") + [r for r in labelled if r[0] != "none"]
        negatives = self._rows("emergency_counterexamples.tsv") + [
            r for r in labelled if r[0] == "none"] + [
            ("", "en", line.split("\t")[1]) for line in _data("intents.tsv").splitlines()
            if line and line[0] != "#"]
        self.conditions = [condition for condition, _, _ in positives]
        texts = [self._english(fold(text), lang) for _, lang, text in positives + negatives]
        vectors = self._vectors(texts)
        self.positives, self.negatives = vectors[:len(positives)], vectors[len(positives):]

    def _vectors(self, texts: list[str]) -> np.ndarray:
        """The examples' vectors, from the cache when it holds these very texts (embedding
        them takes seconds; the cache is checked against the model by one probe text)."""
        key = hashlib.sha256("\n".join(texts).encode()).hexdigest()
        probe = np.asarray(self.embed([texts[0]]), dtype=np.float32)[0]
        if self.cache is not None and self.cache.is_file():
            try:
                with np.load(self.cache) as stored:
                    if str(stored["key"]) == key and np.allclose(stored["vectors"][0], probe,
                                                                 atol=1e-4):
                        return np.asarray(stored["vectors"], dtype=np.float32)
            except (OSError, ValueError, KeyError):
                pass  # unreadable: made again
        vectors = np.asarray(self.embed(texts), dtype=np.float32)
        if self.cache is not None:
            try:
                self.cache.parent.mkdir(parents=True, exist_ok=True)
                partial = self.cache.with_suffix(f".{os.getpid()}.tmp.npz")
                np.savez(partial, key=np.array(key), vectors=vectors)
                os.replace(partial, self.cache)
            except OSError:
                pass  # a read-only folder: embedded again next time
        return vectors

    @staticmethod
    def _rows(name: str) -> list[tuple[str, str, str]]:
        rows = [line.split("\t") for line in _data(name).splitlines() if line and line[0] != "#"]
        return [(label, lang, text) for label, lang, text in rows]

    def _english(self, folded: str, language: str) -> str:
        text = self.to_english(folded, language) if language != "en" else folded
        if not self.drug_names:
            return text
        return " ".join("medicine" if w in self.drug_names else w for w in text.split())

    def pieces(self, folded: str, language: str) -> list[tuple[str, bool]]:
        """The pieces of a message to compare (each clause with the next one), each with
        whether it is told as now."""
        parts = clauses(folded, asides=False)
        # each clause with the next (a short last clause alone says too little to compare)
        out: list[tuple[str, bool]] = []
        for i in range(max(1, len(parts) - 1)) if parts else []:
            pair = parts[i:i + 2]
            out.append((self._english(" ".join(c.text for c in pair), language),
                        any(c.now for c in pair)))
        return out[:MAX_PIECES]

    def score(self, texts: list[str]) -> list[tuple[str, float]]:
        """For each text, the nearest emergency's condition and how much nearer it is than the
        nearest ordinary message."""
        if not texts:
            return []
        vectors = np.asarray(self.embed(texts), dtype=np.float32)
        near = vectors @ self.positives.T
        best = near.argmax(axis=1)
        margin = near.max(axis=1) - (vectors @ self.negatives.T).max(axis=1)
        return [(self.conditions[b], float(m)) for b, m in zip(best, margin, strict=True)]

    def find(self, folded: str, language: str,
             suicide_margin: float = SUICIDE_MARGIN) -> list[EmergencyFinding]:
        """The conditions the message's pieces are nearest to, by ``threshold`` (thoughts of
        suicide by ``suicide_margin``)."""
        pieces = self.pieces(folded, language)
        denied = bool(_DENIAL.search(normalize(folded)))
        findings: dict[str, EmergencyFinding] = {}
        for (_, now), (condition, margin) in zip(
                pieces, self.score([text for text, _ in pieces]), strict=True):
            suicide = condition == "suicide"
            if suicide and denied:
                continue  # the rules still read the words themselves
            needed = min(self.threshold, suicide_margin) if suicide else self.threshold
            if margin >= needed and (now or suicide):
                reply = "suicide" if condition == "suicide" else (
                    "fever" if condition == "fever_chemo" else "general")
                findings.setdefault(condition, EmergencyFinding(condition, reply, "backstop"))
        return sorted(findings.values(), key=lambda f: REPLY_ORDER.index(f.reply))


def _data(name: str) -> str:
    return resources.files("assistant.data").joinpath(name).read_text("utf-8")


def merge_findings(first: Sequence[EmergencyFinding],
                   more: Sequence[EmergencyFinding]) -> list[EmergencyFinding]:
    """Both lists' conditions, each once (the first list's finding kept), most urgent first."""
    found = {f.condition: f for f in (*more, *first)}
    return sorted(found.values(), key=lambda f: REPLY_ORDER.index(f.reply))


def first_reply(findings: Sequence[EmergencyFinding]) -> str | None:
    """The urgent message that comes first: suicide, then 911, then the fever message."""
    replies = {f.reply for f in findings}
    return next((r for r in REPLY_ORDER if r in replies), None)
