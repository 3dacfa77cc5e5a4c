"""What a patient a few days after discharge says on a follow-up call, one complete turn a line.

``[pause 0.6]`` marks a silence of that many seconds inside the turn (a hold): hesitations,
list items, self-corrections, filled pauses and questions back. Every turn is complete; what
follows it is the end-of-turn silence.
"""

from __future__ import annotations

TURNS: list[str] = [
    # Which medications?
    "The water pill, [pause 0.5] the metoprolol, [pause 0.7] and the blood thinner.",
    "Um, [pause 0.6] the furosemide in the morning [pause 0.4] and lisinopril at night.",
    "Let me think. [pause 1.2] Metoprolol, [pause 0.5] aspirin, [pause 0.8] and atorvastatin.",
    "I take the little white one, [pause 0.9] and, uh, [pause 0.7] the potassium.",
    "Just the two. [pause 0.6] The heart one and the water pill.",
    "Warfarin, [pause 0.2] five milligrams, [pause 0.5] every evening.",
    "Hang on, [pause 1.5] I have the list here. [pause 0.8] Furosemide forty milligrams.",
    "The metoprolol, [pause 0.4] the spironolactone, [pause 0.6] um, [pause 0.9] "
    "and the vitamin D.",
    "I think it's four pills. [pause 0.7] Maybe five.",
    "All of them, [pause 0.5] every day, [pause 0.4] like they told me.",
    "The new one is, [pause 1.0] what's it called, [pause 0.8] entresto.",
    "Aspirin and, [pause 0.6] uh, [pause 1.1] the one for cholesterol.",
    # How have you been feeling?
    "Pretty good, actually. [pause 0.6] A bit tired in the afternoons.",
    "Not great. [pause 0.9] My ankles are swollen again.",
    "Better than last week, [pause 0.5] I'd say.",
    "Well, [pause 0.8] I get out of breath on the stairs, [pause 0.6] but that's about it.",
    "Okay, I guess. [pause 1.0] I haven't been sleeping well.",
    "Tired. [pause 0.7] Just really tired.",
    "I've been feeling fine, [pause 0.4] no complaints.",
    "Um, [pause 0.7] some dizziness when I stand up, [pause 0.5] mostly in the morning.",
    "My chest felt tight on Sunday, [pause 0.8] but it went away [pause 0.2] after a while.",
    "I'm walking a bit more. [pause 0.6] Around the block, [pause 0.5] twice a day.",
    "Honestly? [pause 1.0] A little down. [pause 0.8] It's hard being stuck at home.",
    "The cough is better, [pause 0.4] but I still wake up at night.",
    # Dates and times, with self-corrections.
    "On Tuesday, [pause 0.2] no, [pause 0.6] Wednesday.",
    "The appointment is on the fourteenth. [pause 0.9] Or was it the fifteenth?",
    "I came home last Friday, [pause 0.5] the ninth.",
    "At ten in the morning, [pause 0.4] sorry, [pause 0.5] ten thirty.",
    "Two weeks ago, [pause 0.7] maybe a bit more.",
    "My daughter drives me on Mondays, [pause 0.6] uh, [pause 0.4] and Thursdays.",
    "I weighed myself this morning. [pause 0.8] One eighty two, [pause 0.5] I think.",
    "Yesterday it was one seventy nine, [pause 0.6] no, [pause 0.4] one seventy eight.",
    "Sometime next week, [pause 1.0] the nurse said she'd call.",
    "The blood test is on the third, [pause 0.5] at the clinic on Main Street.",
    # Yes / no, short answers.
    "Yes.",
    "No.",
    "Yes, I have.",
    "No, not really.",
    "Yeah, [pause 0.5] every day.",
    "Um, [pause 0.8] no.",
    "I think so, yes.",
    "Not yet. [pause 0.6] I'm going to call them tomorrow.",
    "Yes, [pause 0.4] twice.",
    "No, [pause 0.7] I forgot this morning.",
    "Sure.",
    "Mostly, [pause 0.5] yes.",
    # Symptoms and numbers.
    "One twenty over eighty, [pause 0.5] this morning.",
    "About three pillows. [pause 0.7] I can't lie flat anymore.",
    "It's a six, [pause 0.4] maybe a seven [pause 0.6] out of ten.",
    "I had some swelling in my legs, [pause 0.5] my feet, [pause 0.6] and, uh, "
    "[pause 0.8] my hands a bit.",
    "I eat less salt now, [pause 0.5] no chips, [pause 0.4] no soup from the can.",
    "I drink maybe [pause 0.9] six glasses of water a day.",
    "Three times last night, [pause 0.5] to the bathroom.",
    "The pain is here, [pause 0.6] on the left side, [pause 0.5] under the ribs.",
    # Questions back.
    "Is that the one with [pause 0.7] the yellow label?",
    "Should I still take it [pause 0.5] if my blood pressure is low?",
    "What time should I take the water pill? [pause 0.4] Morning or night?",
    "Can I have a glass of wine, [pause 0.8] now and then?",
    "Wait, [pause 0.6] which one do you mean, [pause 0.5] the metoprolol?",
    "Do I need to fast [pause 0.7] before the blood test?",
    "Um, [pause 1.1] is it normal to feel this tired?",
    "Who do I call [pause 0.6] if my weight goes up?",
    # Longer, hesitant stories.
    "So I was at the pharmacy, [pause 0.7] and they said, [pause 0.5] um, [pause 1.3] "
    "that the prescription had run out.",
    "My wife handles the pills. [pause 0.8] She puts them in the box, [pause 0.5] "
    "the one with the days on it.",
    "I ran out of the, [pause 0.6] the potassium, [pause 1.0] on the weekend, "
    "[pause 0.4] I think Saturday.",
    "It was fine until Thursday, [pause 0.5] then I started coughing [pause 0.7] at night.",
]
