"""What a patient a few days after discharge says on a follow-up call, one complete turn a line.

Each line is ``(agent prompt, patient turn)``: the question the agent had just asked (the input
of the dialogue-expectation feature, ``fusion.expectation_from_prompt``) and the patient's
answer. ``[pause s]`` marks a silence of that many seconds inside the turn (a hold):
hesitations, list items, self-corrections, filled pauses and questions back. Every turn is
complete; what follows it is the end-of-turn silence. The prompts were written as the natural
question for each answer, grouped as the comments say; they are not tuned to the feature.

Changing a turn's text changes its rendering key (``dataset.Rendering.key``) and re-renders it
with Piper; changing a prompt does not.
"""

from __future__ import annotations

LINES: list[tuple[str, str]] = [
    # Which medications?
    (
        "Which medications are you taking at the moment?",
        "The water pill, [pause 0.5] the metoprolol, [pause 0.7] and the blood thinner.",
    ),
    (
        "Which medications do you take, and when?",
        "Um, [pause 0.6] the furosemide in the morning [pause 0.4] and lisinopril at night.",
    ),
    (
        "Can you tell me which medications you're on?",
        "Let me think. [pause 1.2] Metoprolol, [pause 0.5] aspirin, [pause 0.8] and atorvastatin.",
    ),
    (
        "Which pills are you taking now?",
        "I take the little white one, [pause 0.9] and, uh, [pause 0.7] the potassium.",
    ),
    (
        "Which medications are you taking at the moment?",
        "Just the two. [pause 0.6] The heart one and the water pill.",
    ),
    (
        "Which blood thinner do you take, and how much?",
        "Warfarin, [pause 0.2] five milligrams, [pause 0.5] every evening.",
    ),
    (
        "What medications did they send you home with?",
        "Hang on, [pause 1.5] I have the list here. [pause 0.8] Furosemide forty milligrams.",
    ),
    (
        "Which medications do you take every day?",
        "The metoprolol, [pause 0.4] the spironolactone, [pause 0.6] um, "
        "[pause 0.9] and the vitamin D.",
    ),
    ("How many pills do you take a day?", "I think it's four pills. [pause 0.7] Maybe five."),
    (
        "Which of your medications have you been taking?",
        "All of them, [pause 0.5] every day, [pause 0.4] like they told me.",
    ),
    (
        "What's the name of the new medication?",
        "The new one is, [pause 1.0] what's it called, [pause 0.8] entresto.",
    ),
    (
        "Which medications do you take in the morning?",
        "Aspirin and, [pause 0.6] uh, [pause 1.1] the one for cholesterol.",
    ),
    # How have you been feeling?
    (
        "How have you been feeling since you got home?",
        "Pretty good, actually. [pause 0.6] A bit tired in the afternoons.",
    ),
    ("How have you been feeling this week?", "Not great. [pause 0.9] My ankles are swollen again."),
    ("How are you feeling compared to last week?", "Better than last week, [pause 0.5] I'd say."),
    (
        "How have you been feeling day to day?",
        "Well, [pause 0.8] I get out of breath on the stairs, [pause 0.6] but that's about it.",
    ),
    ("How have you been feeling?", "Okay, I guess. [pause 1.0] I haven't been sleeping well."),
    ("How are you feeling today?", "Tired. [pause 0.7] Just really tired."),
    (
        "How have you been feeling in yourself?",
        "I've been feeling fine, [pause 0.4] no complaints.",
    ),
    (
        "Tell me about any symptoms you've had.",
        "Um, [pause 0.7] some dizziness when I stand up, [pause 0.5] mostly in the morning.",
    ),
    (
        "Tell me about any symptoms since you left the hospital.",
        "My chest felt tight on Sunday, [pause 0.8] but it went away [pause 0.2] after a while.",
    ),
    (
        "How have you been getting around?",
        "I'm walking a bit more. [pause 0.6] Around the block, [pause 0.5] twice a day.",
    ),
    (
        "How have you been feeling, really?",
        "Honestly? [pause 1.0] A little down. [pause 0.8] It's hard being stuck at home.",
    ),
    ("How is the cough?", "The cough is better, [pause 0.4] but I still wake up at night."),
    # Dates and times, with self-corrections.
    ("Which day did you see the doctor?", "On Tuesday, [pause 0.2] no, [pause 0.6] Wednesday."),
    (
        "When is your next appointment?",
        "The appointment is on the fourteenth. [pause 0.9] Or was it the fifteenth?",
    ),
    (
        "When did you come home from the hospital?",
        "I came home last Friday, [pause 0.5] the ninth.",
    ),
    (
        "What time is the appointment?",
        "At ten in the morning, [pause 0.4] sorry, [pause 0.5] ten thirty.",
    ),
    ("When did the swelling start?", "Two weeks ago, [pause 0.7] maybe a bit more."),
    (
        "How do you get to your appointments?",
        "My daughter drives me on Mondays, [pause 0.6] uh, [pause 0.4] and Thursdays.",
    ),
    (
        "What was your weight today?",
        "I weighed myself this morning. [pause 0.8] One eighty two, [pause 0.5] I think.",
    ),
    (
        "What did the scale say yesterday?",
        "Yesterday it was one seventy nine, [pause 0.6] no, [pause 0.4] one seventy eight.",
    ),
    ("When is the home visit?", "Sometime next week, [pause 1.0] the nurse said she'd call."),
    (
        "When and where is your blood test?",
        "The blood test is on the third, [pause 0.5] at the clinic on Main Street.",
    ),
    # Yes / no, short answers.
    ("Did you take your pills this morning?", "Yes."),
    ("Have you had any chest pain?", "No."),
    ("Have you been weighing yourself every day?", "Yes, I have."),
    ("Are you short of breath at night?", "No, not really."),
    ("Are you checking your blood pressure?", "Yeah, [pause 0.5] every day."),
    ("Did you feel dizzy today?", "Um, [pause 0.8] no."),
    ("Is the swelling going down?", "I think so, yes."),
    (
        "Have you booked the follow-up appointment?",
        "Not yet. [pause 0.6] I'm going to call them tomorrow.",
    ),
    ("Did you go for a walk this week?", "Yes, [pause 0.4] twice."),
    ("Did you take the water pill today?", "No, [pause 0.7] I forgot this morning."),
    ("Can I ask you a few questions about your medications?", "Sure."),
    ("Are you keeping to the low-salt diet?", "Mostly, [pause 0.5] yes."),
    # Symptoms and numbers.
    (
        "What was your blood pressure this morning?",
        "One twenty over eighty, [pause 0.5] this morning.",
    ),
    (
        "How many pillows do you sleep on?",
        "About three pillows. [pause 0.7] I can't lie flat anymore.",
    ),
    (
        "How bad is the pain, from one to ten?",
        "It's a six, [pause 0.4] maybe a seven [pause 0.6] out of ten.",
    ),
    (
        "Where have you noticed swelling?",
        "I had some swelling in my legs, [pause 0.5] my feet, [pause 0.6] and, uh, "
        "[pause 0.8] my hands a bit.",
    ),
    (
        "Tell me what you've changed in your diet.",
        "I eat less salt now, [pause 0.5] no chips, [pause 0.4] no soup from the can.",
    ),
    ("How much do you drink in a day?", "I drink maybe [pause 0.9] six glasses of water a day."),
    (
        "How often are you getting up at night?",
        "Three times last night, [pause 0.5] to the bathroom.",
    ),
    (
        "Where exactly is the pain?",
        "The pain is here, [pause 0.6] on the left side, [pause 0.5] under the ribs.",
    ),
    # Questions back.
    (
        "Are you still taking the potassium tablet?",
        "Is that the one with [pause 0.7] the yellow label?",
    ),
    (
        "Do you have any questions about the metoprolol?",
        "Should I still take it [pause 0.5] if my blood pressure is low?",
    ),
    (
        "Any questions about your medications?",
        "What time should I take the water pill? [pause 0.4] Morning or night?",
    ),
    (
        "Is there anything you'd like to ask me?",
        "Can I have a glass of wine, [pause 0.8] now and then?",
    ),
    (
        "Are you taking the heart pill twice a day?",
        "Wait, [pause 0.6] which one do you mean, [pause 0.5] the metoprolol?",
    ),
    (
        "Do you have any questions about the blood test?",
        "Do I need to fast [pause 0.7] before the blood test?",
    ),
    ("Is there anything worrying you?", "Um, [pause 1.1] is it normal to feel this tired?"),
    ("Do you have any other questions?", "Who do I call [pause 0.6] if my weight goes up?"),
    # Longer, hesitant stories.
    (
        "Tell me what happened with the refill.",
        "So I was at the pharmacy, [pause 0.7] and they said, [pause 0.5] um, "
        "[pause 1.3] that the prescription had run out.",
    ),
    (
        "Who helps you with your medications at home?",
        "My wife handles the pills. [pause 0.8] She puts them in the box, "
        "[pause 0.5] the one with the days on it.",
    ),
    (
        "Tell me about any doses you've missed.",
        "I ran out of the, [pause 0.6] the potassium, [pause 1.0] on the weekend, "
        "[pause 0.4] I think Saturday.",
    ),
    (
        "Tell me how the week went.",
        "It was fine until Thursday, [pause 0.5] then I started coughing [pause 0.7] at night.",
    ),
]

#: The patient turns, in order (a line's index is its id: ``s07-2`` is line 7).
TURNS: list[str] = [text for _, text in LINES]
#: The agent's question each turn answers, in the same order.
PROMPTS: list[str] = [prompt for prompt, _ in LINES]
