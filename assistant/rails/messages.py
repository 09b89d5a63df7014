"""Fixed wording of replies, per language (en, fr, es). Quotes are never translated."""

from __future__ import annotations

import re

SOURCE_TITLE = "Treatments for stage 4 breast cancer"
PUBLISHER = "Canadian Cancer Society"

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "answer": "Here is what the Canadian Cancer Society page says about this:",
        "not_in_document": "The Canadian Cancer Society page I answer from does not cover "
                           "{topic}, so I can't tell you about that.",
        "not_in_document_related": "The closest thing the page says is:",
        "part_no_match": "The page does not say anything about this part.",
        "part_above": "The passage quoted above answers this part too.",
        "no_match": "I couldn't find this on the page I answer from (the Canadian Cancer "
                    "Society's \"Treatments for stage 4 breast cancer\").",
        "personal_advice": "I can't advise on your own treatment or tell you what to do: that "
                           "decision belongs with you and your healthcare team, who know your "
                           "situation. In general, the page says:",
        "personal_advice_no_quote": "I can't advise on your own treatment or tell you what to "
                                    "do: that decision belongs with you and your healthcare team, "
                                    "who know your situation.",
        "out_of_scope": "I can only help with questions about treatments for stage 4 "
                        "(metastatic) breast cancer, using the Canadian Cancer Society's page. "
                        "You could ask, for example:",
        "examples": "- What is hormonal therapy for post-menopausal women?\n"
                    "- What is Herceptin used for?\n"
                    "- What can I do if I don't want cancer treatment?",
        "emergency": "**This may be an emergency. Call 911 or go to the nearest emergency "
                     "department now.**",
        "emergency_fever": "**A fever or chills during chemotherapy can be an emergency: "
                           "contact your cancer care team or go to the emergency department "
                           "right away. If you feel very unwell, call 911.**",
        "emergency_suicide": "**If you are thinking about suicide or about hurting yourself, "
                             "please call or text 9-8-8 now (Suicide Crisis Helpline, Canada, "
                             "24/7). If you are in immediate danger, call 911.**",
        "source": "Source: {sources}",
        "source_language": "",
        "healthcare": "Please talk to your healthcare team about what this means for you: "
                      "they know your situation and can answer what this page cannot.",
        "healthcare_emergency": "Then let your healthcare team know what happened.",
        "too_long": "Your message is too long for me to answer the rest of it. Once you are "
                    "safe, please ask your question again in a shorter message.",
        "related": "the part of your question about {topic}",
        "topic_for": "{label} for {drug}",
        "a_treatment": "a treatment",
        "meaning_of": "what “{term}” means",
        "difference_of": "the difference between {a} and {b}",
    },
    "fr": {
        "answer": "Voici ce que dit la page de la Société canadienne du cancer à ce sujet :",
        "not_in_document": "La page de la Société canadienne du cancer sur laquelle je m’appuie "
                           "ne traite pas de {topic} ; je ne peux donc pas vous renseigner.",
        "not_in_document_related": "Ce que la page dit de plus proche :",
        "part_no_match": "La page ne dit rien sur cette partie de la question.",
        "part_above": "Le passage cité plus haut répond aussi à cette partie.",
        "no_match": "Je n’ai pas trouvé cela dans la page sur laquelle je m’appuie (« "
                    "Treatments for stage 4 breast cancer », Société canadienne du cancer).",
        "personal_advice": "Je ne peux pas vous conseiller sur votre propre traitement : cette "
                           "décision vous appartient, avec votre équipe soignante. En général, "
                           "la page dit :",
        "personal_advice_no_quote": "Je ne peux pas vous conseiller sur votre propre "
                                    "traitement : cette décision vous appartient, avec votre "
                                    "équipe soignante.",
        "out_of_scope": "Je peux seulement répondre aux questions sur les traitements du cancer "
                        "du sein de stade 4 (métastatique), à partir de la page de la Société "
                        "canadienne du cancer. Vous pourriez demander, par exemple :",
        "examples": "- Qu’est-ce que l’hormonothérapie après la ménopause ?\n"
                    "- À quoi sert l’Herceptin ?\n"
                    "- Que faire si je ne veux pas de traitement ?",
        "emergency": "**Il peut s’agir d’une urgence. Appelez le 911 ou allez à l’urgence la "
                     "plus proche maintenant.**",
        "emergency_fever": "**De la fièvre ou des frissons pendant une chimiothérapie peuvent "
                           "être une urgence : contactez votre équipe de soins en cancérologie "
                           "ou allez à l’urgence immédiatement. Si vous vous sentez très mal, "
                           "appelez le 911.**",
        "emergency_suicide": "**Si vous pensez au suicide ou à vous faire du mal, appelez ou "
                             "textez le 9-8-8 maintenant (Canada, 24 h sur 24). En cas de danger "
                             "immédiat, appelez le 911.**",
        "source": "Source : {sources}",
        "source_language": "Les citations sont en anglais, la langue de la page source.",
        "healthcare": "Parlez-en à votre équipe soignante : elle connaît votre situation et peut "
                      "répondre à ce que cette page ne dit pas.",
        "healthcare_emergency": "Informez ensuite votre équipe soignante.",
        "too_long": "Votre message est trop long pour que je réponde au reste. Une fois en "
                    "sécurité, reposez votre question dans un message plus court.",
        "related": "cette partie de votre question ({topic})",
        "topic_for": "{label} pour {drug}",
        "a_treatment": "un traitement",
        "meaning_of": "ce que veut dire « {term} »",
        "difference_of": "la différence entre {a} et {b}",
    },
    "es": {
        "answer": "Esto es lo que dice la página de la Sociedad Canadiense del Cáncer:",
        "not_in_document": "La página de la Sociedad Canadiense del Cáncer en la que me baso no "
                           "trata {topic}, así que no puedo informarle sobre eso.",
        "not_in_document_related": "Lo más cercano que dice la página es:",
        "part_no_match": "La página no dice nada sobre esta parte de la pregunta.",
        "part_above": "El pasaje citado arriba también responde a esta parte.",
        "no_match": "No encontré esto en la página en la que me baso (« Treatments for stage 4 "
                    "breast cancer », Sociedad Canadiense del Cáncer).",
        "personal_advice": "No puedo aconsejarle sobre su propio tratamiento: esa decisión le "
                           "corresponde a usted junto con su equipo de atención médica. En "
                           "general, la página dice:",
        "personal_advice_no_quote": "No puedo aconsejarle sobre su propio tratamiento: esa "
                                    "decisión le corresponde a usted junto con su equipo de "
                                    "atención médica.",
        "out_of_scope": "Solo puedo responder preguntas sobre los tratamientos del cáncer de "
                        "mama en estadio 4 (metastásico), con la página de la Sociedad "
                        "Canadiense del Cáncer. Puede preguntar, por ejemplo:",
        "examples": "- ¿Qué es la terapia hormonal después de la menopausia?\n"
                    "- ¿Para qué sirve Herceptin?\n"
                    "- ¿Qué puedo hacer si no quiero tratamiento?",
        "emergency": "**Esto puede ser una emergencia. Llame al 911 o vaya ahora al servicio de "
                     "urgencias más cercano.**",
        "emergency_fever": "**La fiebre o los escalofríos durante la quimioterapia pueden ser "
                           "una emergencia: comuníquese de inmediato con su equipo de oncología o "
                           "vaya a urgencias. Si se siente muy mal, llame al 911.**",
        "emergency_suicide": "**Si está pensando en el suicidio o en hacerse daño, llame o envíe "
                             "un mensaje de texto al 9-8-8 ahora (Canadá, 24 horas). Si está en "
                             "peligro inmediato, llame al 911.**",
        "source": "Fuente: {sources}",
        "source_language": "Las citas están en inglés, el idioma de la página original.",
        "healthcare": "Hable con su equipo de atención médica: conoce su situación y puede "
                      "responder lo que esta página no dice.",
        "healthcare_emergency": "Después, informe a su equipo de atención médica.",
        "too_long": "Su mensaje es demasiado largo para que responda al resto. Cuando esté a "
                    "salvo, vuelva a hacer su pregunta en un mensaje más corto.",
        "related": "esa parte de su pregunta ({topic})",
        "topic_for": "{label} para {drug}",
        "a_treatment": "un tratamiento",
        "meaning_of": "qué significa «{term}»",
        "difference_of": "la diferencia entre {a} y {b}",
    },
}

# Every reply must carry one of these (checked by the output rails and the evaluator).
HEALTHCARE_MARKERS = ("healthcare team", "équipe soignante", "equipo de atención médica")


def message(language: str, key: str, **fields: str) -> str:
    table = MESSAGES.get(language, MESSAGES["en"])
    text = table[key].format(**fields) if fields else table[key]
    if language == "fr":  # "de les doses" -> "des doses", "de le carcinome" -> "du carcinome"
        text = re.sub(r"\bde les ", "des ", re.sub(r"\bde le ", "du ", text))
    return text
