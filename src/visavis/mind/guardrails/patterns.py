"""The regular expressions behind ``checks``: each pairs a frame (a request, a question, an
imperative) with a topic, over text normalised by ``lexicon.normalise``."""

from __future__ import annotations

import re

from visavis.mind.guardrails.lexicon import CONDITION, HEALTH, MEDICINE, OTHER_PERSON, PERSON_DATA


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts))


_ME = r"(?:i|we|me)"
_ASK = r"(?:can|could|should|shall|may|must|do|would|will)"

INJECTION_RX = _rx(
    # Overriding the instructions, whatever verb and adjective ("disregard the earlier rules").
    r"\b(?:ignore|disregard|forget|override|bypass|drop|ditch|skip|abandon|delete|reset)\b"
    r"(?: [\w']+){0,3} (?:previous|prior|above|earlier|preceding|original|initial|system|"
    r"existing|old|your|all|any|those|these) (?:[\w']+ ){0,2}"
    r"(?:instructions?|rules?|prompts?|guidelines?|directions?|programming|constraints?|"
    r"directives?|guardrails?|restrictions?|policies|training|script)\b",
    r"\byou(?: are|'re| r) now (?:a|an|my|the|in|called|named|free|no longer|unrestricted|"
    r"allowed|going to be)\b",
    r"\bfrom now on(?: you| you're| you are| you will| act| respond| answer| only)\b",
    r"\b(?:system|hidden|initial|original|secret) (?:prompt|message|instructions?)\b",
    r"\b(?:show|reveal|print|repeat|recite|read out|output|display|dump|leak|what (?:is|are|"
    r"were)|tell me) (?:me )?(?:your|the) (?:[\w']+ ){0,2}(?:prompt|instructions|rules|"
    r"configuration|guidelines)\b",
    r"\b(?:developer|dev|debug|admin|god|maintenance|unrestricted|jailbreak|jailbroken) mode\b",
    r"\bjailbreak|\bdo anything now\b|\bsudo\b|\bno (?:rules|restrictions|filters|limits)\b",
    r"\bwithout (?:any )?(?:rules|restrictions|filters|limits|guidelines|censorship)\b",
    r"\bpretend (?:to be|you are|you're|that you|you were)\b|\brole ?play\b|\bin character\b",
    r"\b(?:let's|lets|we'll) play a game\b|\bimagine (?:you are|you're|that you)\b",
    r"\bact as (?:if you|a|an|my|though)\b|\bhypothetically\b|\bsimulate (?:a|an)\b",
    r"\b(?:repeat|print|copy|output|say) (?:back )?(?:the |all |everything |all the )?"
    r"(?:text|words|everything|messages?|lines?|stuff|content)? ?(?:above|before this|so far|"
    r"you were given|written before)\b",
    r"\b(?:ignore|disregard|forget)\b (?:everything|all|anything|whatever|what)\b(?: [\w']+){0,2}"
    r" you(?:'ve been| have been| were| are| had been) (?:told|given|taught|instructed|"
    r"programmed)\b|\bnew task\b",
    r"\bwhat (?:was|is) written (?:above|before)\b|\byour first (?:message|line|instruction)\b",
    r"\bnew (?:instructions?|rules?|persona|directive)\b|\b(?:i am|i'm) your (?:developer|"
    r"creator|admin|administrator|programmer|owner)\b",
    r"\b(?:base ?64|rot ?13|hex encoded)\b|\bdecode (?:this|the following|that)\b",
)
# Markup that impersonates a chat turn or instruction block; checked on the raw text.
MARKUP_RX = re.compile(
    r"<\s*/?\s*(?:system|assistant|user|instructions?|prompt)\s*>|\[/?\s*(?:inst|system)\s*\]|"
    r"<\|[a-z_]+\|>|#{2,}\s*(?:system|instructions?|new)|\{\{.*\}\}|```",
    re.IGNORECASE,
)
# Letters only: "Ig-nore... your... previous... in-struc-tions" and "i.g.n.o.r.e" squash to
# the trigger, which the word-level patterns cannot see.
SQUASHED_RX = re.compile(
    r"(?:ignore|disregard|forget)(?:all|your|the|any|previous|prior|above|earlier)+"
    r"(?:instructions|rules|prompt|guidelines)|systemprompt|developermode|jailbreak"
)
BASE64_RX = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")

OTHER_PATIENT_RX = _rx(
    # "what did John Smith tell you" / "what has Mrs Lee said to you" (but not my own doctor).
    r"\bwhat (?:did|has|have) (?!(?:my|the|your) (?:doctor|nurse|care team|cardiologist|"
    r"surgeon|gp|pharmacist)\b)(?:[\w']+ ){1,3}(?:tell|told|say|said|share|shared)(?: to)? you\b",
    r"\bwho (?:else|other)\b(?: [\w']+){0,3} (?:call|called|calling|phone|phoned|ring|rang|talk|"
    r"talked|talking|speak|spoke|speaking|spoken|see|seen|seeing|visit|treat)",
    r"\b(?:other|another|different|next|previous|last) (?:patient|patients|person you|caller)\b",
    r"\b(?:list|names of|how many) (?:[\w']+ ){0,2}(?:patients|people you)\b",
    r"\b(?:look|pull|dig|bring|call) up (?!my\b|me\b)(?:[\w']+ ){0,3}(?:patient|record|file|chart|"
    r"details|results|information)\b",
    r"\b(?:look|pull|dig) up (?!my\b|me\b|when\b|what\b|the time\b)[a-z]+ [a-z]+'s?\b",
    r"\bpatient (?:named|called|by the name|number|id)\b",
    r"\b(?:is|was) (?!it\b|that\b|this\b|there\b|i\b|my\b)\w+(?: [\w']+)? (?:also |still )?"
    r"(?:a patient|your patient|in (?:the )?hospital|on your list|admitted|discharged)\b",
    # A request for someone else's records: "give me my neighbour's results".
    r"\b(?:give|tell|show|send|read|share|check|find|get|what (?:is|are|were|was)|what's|"
    r"how (?:is|are|was)|how's|access|see|know|email|print|fax)\b(?: [\w']+){0,6} "
    rf"(?:my|his|her|their|our|the|a) (?:{OTHER_PERSON})'?s? (?:[\w']+ )?(?:{PERSON_DATA})\b",
    rf"\b(?:{PERSON_DATA}) (?:of|for|about) (?:my|his|her|their|the) (?:{OTHER_PERSON})\b",
    rf"\bwhat (?:did|do|does|will) (?:his|her|their) (?:{PERSON_DATA}) (?:show|say|mean)\b",
    rf"\b(?:tell me|what|which|show me|give me|read me|check)\b (?:[\w']+ ){{0,2}}(?:{PERSON_DATA})"
    rf" (?:[\w']+ ){{0,2}}(?:my|his|her|their|the) (?:{OTHER_PERSON}) (?:is|was|takes|took|gets|"
    r"got|needs|has been)\b",
    r"\banyone else's\b|\bsomebody else's\b|\bsomeone else's\b|\beverybody else's\b",
)

# Input verbs in bare and -ing forms ("can I stop", "I'm thinking of stopping").
_DOSE_VERB = (
    r"(?:doubl(?:e|ing)|halv(?:e|ing)|half|tripl(?:e|ing)|increas(?:e|ing)|decreas(?:e|ing)|"
    r"reduc(?:e|ing)|lower(?:ing)?|rais(?:e|ing)|bump(?:ing)? up|cut(?:ting)?(?: back| down)?"
    r"(?: on)?|stop(?:ping)?(?: taking)?|skip(?:ping)?|quit(?:ting)?|drop(?:ping)?(?! off| by)|"
    r"(?:come|coming|go|going|get|getting) off|up(?:ping)? (?:my|the|your|their) (?:dose|dosage)|"
    r"chang(?:e|ing)|adjust(?:ing)?|switch(?:ing)?|swap(?:ping)?|split(?:ting)?|crush(?:ing)?|"
    r"keep taking|continu(?:e|ing)|still take|forget(?:ting)?|miss(?:ing)?|leav(?:e|ing) out|"
    r"paus(?:e|ing)|hold(?:ing)?|add(?:ing)?|mix(?:ing)?|combin(?:e|ing)|"
    r"tak(?:e|ing)(?: more| less| fewer| extra| an extra| another| two| three| 2| 3| double|"
    r" half| both| a double| an additional)?)"
)
MEDICAL_RX = _rx(
    # "can I double my water pill", "is it ok to stop the metoprolol", "should I skip a dose".
    rf"\b(?:{_ASK} (?:{_ME}|you)(?: just| still| safely| maybe| really)?|(?:is it|would it be|"
    rf"will it be|is that|would that be) (?:ok|okay|"
    rf"safe|fine|alright|all right|bad|dangerous|a good idea) (?:to|if i|for me to)|"
    rf"am i (?:allowed|supposed|meant) to|what if i|(?:do|would) you (?:think|recommend|"
    rf"suggest|mind if)(?: that)?(?: i)?(?: should)?|ok if i|okay if i|"
    rf"(?:i want|i'd like|i'm going|i am going|i plan|i'm thinking|i was thinking) "
    rf"(?:to|of|about)|i think i(?:'ll| will| should)|tell me (?:if|whether|when) (?:i|to)|"
    r"(?:i|we) need to know if i)"
    rf"(?: [\w']+){{0,2}} {_DOSE_VERB}\b(?: [\w']+){{0,4}} {MEDICINE}",
    rf"\bhow (?:much|many)\b(?: [\w']+){{0,3}} {MEDICINE}(?: [\w']+){{0,3}} "
    r"(?:should|can|do|must) i",
    r"\bhow (?:much|many) (?:should|can|do|must) i (?:take|have|use)\b",
    r"\bwhat (?:dose|dosage|amount|strength)\b(?: [\w']+){0,4} (?:should|can|do) i\b",
    r"\b(?:should|can|do) i (?:take|have|use) (?:more|less|extra|a higher|a lower|double)\b",
    # Diagnosis: "do I have heart failure?", "could this be pneumonia", "what's wrong with me".
    rf"\b(?:do|did|could|might|would|will|have) i (?:have|had|got|get|be getting|developed)"
    rf"(?: [\w']+){{0,3}} {CONDITION}",
    rf"\b(?:is|could|might|would|does) (?:it|this|that|my \w+)(?: [\w']+){{0,2}} (?:be|mean|"
    rf"sound like|a sign of|signs of)(?: [\w']+){{0,3}} {CONDITION}",
    rf"\bis (?:it|this|that) (?:an? )?(?:{CONDITION}|serious|dangerous|cancerous|life "
    r"threatening|fatal|normal)\b",
    r"\bwhat(?:'s| is| could be| might be| do you think is) (?:wrong|going on|the matter) "
    r"with (?:me|my)\b|\bwhat (?:do|could|might) i (?:have|be suffering)\b",
    r"\b(?:what is|what's|tell me) my diagnosis\b|\bdiagnose (?:me|my|this|what)\b|"
    r"\bam i (?:dying|having an? \w+|getting worse|seriously ill|in danger)\b",
    r"\bwhy (?:am i|do i|is my)(?: [\w']+){0,3} (?:swollen|swelling|dizzy|short of breath|"
    r"so tired|in pain|hurting|coughing|feeling)\b",
)

_OFF_TOPIC_FRAME = (
    r"\b(?:what's|what is|what are|what will|how's|how is|how are|how do|how did|will it|is it "
    r"going to|is(?= \w+ going (?:to|up|down))|will(?= \w+ go)|tell me|can you|could you|"
    r"would you|will you|please|give me|i want you to|"
    r"i need you to|help me|who (?:is|won|will|should|do you)|what do you think|your "
    r"(?:opinion|view|thoughts)|should i (?:buy|sell|invest|vote)|do you know|recommend|"
    r"write|compose|make up|sing|translate|calculate|solve|explain|predict)\b"
)
_OFF_TOPIC_SUBJECT = (
    r"\b(?:weather|forecast|rain(?:ing)? (?:today|tomorrow|this)|snow (?:today|tomorrow)|"
    r"stocks?|stock market|share price|shares in|bitcoin|crypto\w*|invest\w*|nasdaq|dow jones|"
    r"poem|song|story|essay|haiku|limerick|rap|novel|joke|jokes|riddle|"
    r"code|coding|script|python|javascript|java|sql|html|program|function|regex|excel|"
    r"election|elections|president|politic\w*|democrats?|republicans?|vote|voting|congress|"
    r"parliament|senator|prime minister|government|"
    r"score|game last night|football|baseball|basketball|soccer|super bowl|world cup|"
    r"recipe|homework|capital of|movie|movies|film|netflix|lottery|horoscope|celebrity|"
    r"translat\w* (?:this|that|these|the following|a|some)|news|flight|flights|hotel|trivia|"
    r"math|equation|times table|\d+ (?:times|plus|minus) \d+)\b"
)
OFF_TOPIC_RX = re.compile(rf"{_OFF_TOPIC_FRAME}(?: [\w']+){{0,8}} {_OFF_TOPIC_SUBJECT}")
HEALTH_RX = re.compile(HEALTH)

# Output: the agent must neither change a dose nor diagnose.
_OUT_VERB = (
    r"(?:double|halve|triple|increase|decrease|reduce|lower|raise|bump up|cut|cut back(?: on)?|"
    r"cut down(?: on)?|stop|stop taking|skip|quit|drop(?! off| by)|come off|go off|get off|"
    r"up (?:your|the) (?:dose|dosage)|change|adjust|switch|swap|split|"
    r"take (?:more|less|fewer|extra|an extra|another|two|three|2|3|double|half|a double))"
)
OUT_DOSE_RX = _rx(
    rf"\b{_OUT_VERB}\b(?: [\w']+){{0,3}} {MEDICINE}",
    r"\btake (?:two|three|2|3|an extra|another|a double|double|half|extra)\b",
    r"\b(?:you can|you should|it's fine to|it is fine to|go ahead and) (?:stop|skip|double|"
    r"increase|decrease|halve|cut)\b",
)
OUT_DIAGNOSIS_RX = _rx(
    rf"\byou(?: probably| likely| definitely| may| might| could| must)?(?: have| have got|'ve "
    rf"got|'ve|'re having| are having| are suffering from|'re suffering from| are showing "
    rf"signs of| have signs of)(?: [\w']+){{0,2}} {CONDITION}",
    rf"\b(?:it|this|that) (?:sounds|looks|seems) like(?: you have)?(?: [\w']+){{0,2}} {CONDITION}",
    rf"\b(?:it|this|that)(?:'s| is) (?:probably|likely|definitely|just|almost certainly) "
    rf"(?:[\w']+ ){{0,2}}{CONDITION}",
    r"\byour diagnosis is\b|\bi(?:'d| would) diagnose\b|\bmy diagnosis is\b",
)
# A directive the agent negates ("I can't change your medicines") is the safe reply itself.
NEGATED_RX = re.compile(
    r"(?:can't|cannot|can not|won't|not able to|unable to|not allowed to|don't|do not|never|"
    r"not)(?: [\w']+){0,2} $"
)
