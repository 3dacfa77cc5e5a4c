"""Word lists and text normalisation shared by the deterministic checks.

The lists are regex fragments (alternations) rather than exact phrases so that a check
generalises across phrasings: a drug is recognised by a known name *or* by the suffixes
drug names share (``-olol``, ``-pril``, ...), a condition by a name or a suffix (``-itis``).
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width and bidi characters are a classic way to split a trigger word ("ig\u200bnore").
_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u202a-\u202e]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_NOT_WORD = re.compile(r"[^a-z0-9']+")


def normalise(text: str) -> str:
    """Lower-case words separated by single spaces: casing and punctuation cannot hide a
    trigger ("IGNORE... all. previous -- instructions!" reads as the plain phrase)."""
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).translate(_QUOTES).lower()
    words = _NOT_WORD.sub(" ", text).split()
    # Apostrophes only matter inside contractions ("what's"); strip stray quotes around words.
    return " ".join(w.strip("'") for w in words if w.strip("'"))


#: Generic words for medicines, then names common after a hospital stay. Patient-specific
#: names (and aliases) are added by the policy at construction.
MEDICINE_WORDS = (
    r"meds?|medicines?|medications?|medicat\w*|pills?|tablets?|capsules?|doses?|dosage|"
    r"prescriptions?|water pills?|fluid pills?|heart pills?|blood thinners?|"
    r"insulin|inhaler|steroids?|antibiotics?|diuretics?|painkillers?|patch|injections?|shots?|"
    r"aspirin|warfarin|coumadin|eliquis|xarelto|lasix|toprol|lopressor|zestril|lipitor|"
    r"ibuprofen|advil|tylenol|paracetamol|acetaminophen|prednisone|digoxin|nitro\w*|"
    r"statins?|metformin|jardiance|ozempic|plavix|clopidogrel|spironolactone|entresto|amiodarone"
)
# Suffixes most generic drug names end in: recognise drugs the list does not name.
DRUG_SUFFIXES = (
    r"olol|ilol|alol|pril|sartan|statin|semide|mide|zide|thiazide|formin|cillin|mycin|floxacin|"
    r"cycline|azole|dipine|prazole|parin|xaban|gatran|gliptin|gliflozin|glutide|lukast|"
    r"oxetine|pramine|azepam|olam|codone|morphine|sone|olone|tidine|vastatin|arone"
)
MEDICINE = rf"(?:(?:{MEDICINE_WORDS})\b|\w*(?:{DRUG_SUFFIXES})s?\b)"

CONDITION_WORDS = (
    r"heart failure|heart attack|heart disease|heart problems?|stroke|mini stroke|"
    r"cancer|tumou?r|diabetes|pneumonia|infection|sepsis|clot|blood clot|embolism|"
    r"covid|flu|copd|asthma|angina|arrhythmia|afib|a fib|atrial fibrillation|"
    r"kidney (?:failure|disease|problems?)|liver (?:failure|disease)|dementia|alzheimer'?s|"
    r"depression|anxiety|high blood pressure|hypertension|low blood pressure|anemia|anaemia|"
    r"fluid (?:on|in) (?:my|the|your) lungs|an? (?:ulcer|virus|bleed)|something serious|"
    r"something wrong|a relapse|complications?|"
    r"(?:heart|kidneys?|liver|lungs?) (?:is |are )?(?:failing|damaged|giving out|not working)"
)
CONDITION_SUFFIXES = r"itis|emia|aemia|osis|oma|pathy|algia|plegia|ectomy"
CONDITION = rf"(?:(?:{CONDITION_WORDS})\b|\w+(?:{CONDITION_SUFFIXES})\b)"

#: Other people a patient may mention: asking for *their* records is the privacy problem.
OTHER_PERSON = (
    r"neighbou?r|neighbou?rs|wife|husband|son|daughter|mother|mom|mum|father|dad|brother|"
    r"sister|friend|roommate|room mate|partner|cousin|aunt|uncle|niece|nephew|grandson|"
    r"granddaughter|grandma|grandpa|colleague|coworker|co worker|boss|landlord|"
    r"the (?:man|woman|lady|guy|gentleman|person|patient) (?:in|next|across|from|who)\b[\w ]{0,20}"
)
PERSON_DATA = (
    r"results?|records?|charts?|files?|medications?|meds|medicines?|pills|diagnosis|"
    r"tests?|test results|labs?|lab results|scans?|x rays?|prescriptions?|information|info|"
    r"details|appointments?|conditions?|health|notes|history|blood work|numbers|discharge|"
    r"heart|kidneys?|lungs?|recovery|surgery|operation|treatment|prognosis|blood pressure"
)
#: Words that make a request health-related: never off-topic, whatever else it mentions.
HEALTH = (
    rf"{MEDICINE}|{CONDITION}|\b(?:salt|sodium|diet|fluid|weight|swelling|breath|chest|"
    r"heart|blood|sugar|pain|dizzy|nurse|doctor|clinic|hospital|appointment|symptoms?|"
    r"exercise|walk|walking|sleep|eat|eating|food|meal|drink|water|care team)\b"
)
