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
    # Hesitant mid-phrase pauses: long holds (0.8-1.5 s) after a filler, an article, a
    # conjunction, a preposition or a possessive, the phrase finished after them.
    (
        "Did the pharmacy give you everything on the list?",
        "They gave me the, um, [pause 1.3] the inhaler and the, [pause 0.9] the new patches.",
    ),
    (
        "What did the cardiologist say at the visit?",
        "She said my, uh, [pause 1.1] my heart is pumping a little better.",
    ),
    (
        "Are you having any trouble with your breathing?",
        "Only when I go up to the, [pause 1.0] um, [pause 0.8] the bedroom upstairs.",
    ),
    (
        "How are you managing with meals?",
        "My neighbor brings soup, and my, [pause 1.2] uh, my son does the shopping on Saturdays.",
    ),
    (
        "Did you get the blood work done?",
        "I went on Monday, but, [pause 1.1] um, [pause 0.9] they couldn't find a vein.",
    ),
    (
        "Have you noticed any side effects from the new tablets?",
        "Maybe a bit of, uh, [pause 1.4] of an upset stomach after breakfast.",
    ),
    (
        "Where do you keep your medication list?",
        "It's on the, [pause 1.0] on the fridge, under a magnet.",
    ),
    (
        "Is anyone staying with you at home?",
        "My sister comes over in the, um, [pause 1.2] in the evenings, and on weekends.",
    ),
    (
        "How much fluid are you allowed each day?",
        "The nurse said about, [pause 1.3] uh, [pause 0.6] one and a half liters.",
    ),
    (
        "Did you call the clinic about the dizziness?",
        "I called, and they told me to, [pause 1.1] um, [pause 0.8] cut the dose in half.",
    ),
    (
        "Who is your main doctor now?",
        "It's doctor, uh, [pause 1.2] Patel, at the family practice.",
    ),
    (
        "When do you take the potassium?",
        "With my, [pause 0.9] um, [pause 1.0] with my lunch, usually.",
    ),
    # Long tellings (5-10 s of speech): holds after complete clauses and sentences mid-telling.
    (
        "Tell me about your first week at home.",
        "The first couple of days I mostly stayed in bed. [pause 0.8] Then on Wednesday I "
        "walked to the mailbox and back. [pause 0.9] By the weekend I was making my own "
        "breakfast again.",
    ),
    (
        "How has your sleep been since you came home?",
        "It's been up and down. [pause 0.7] Some nights I sleep right through, [pause 0.6] "
        "other nights I'm awake at three and can't get comfortable. [pause 1.0] Last night was "
        "one of the good ones.",
    ),
    (
        "Tell me how your breathing has been.",
        "It's easier than in the hospital. [pause 0.9] I can talk on the phone without "
        "stopping now. [pause 0.7] The stairs still wear me out, though.",
    ),
    (
        "Describe what happened when you felt faint.",
        "I stood up too fast from the couch. [pause 0.8] Everything went gray for a second, so "
        "I sat back down. [pause 1.1] After a minute or two it passed, and I was fine.",
    ),
    (
        "How are you getting on with the low-salt diet?",
        "It's harder than I thought. [pause 0.6] Everything in the store has salt in it. "
        "[pause 0.9] My daughter reads the labels for me, [pause 0.5] and we cook at home more.",
    ),
    (
        "What happened at the pharmacy yesterday?",
        "I went to pick up the refill. [pause 0.7] They said the insurance hadn't approved it "
        "yet. [pause 1.2] So I paid for a week myself, and they'll call me when it's sorted.",
    ),
    (
        "How has your energy been?",
        "Mornings are fine. [pause 0.6] I can do the dishes and water the plants. [pause 0.8] "
        "But after lunch I need to lie down for an hour, [pause 0.5] sometimes two.",
    ),
    (
        "Tell me about the swelling in your legs.",
        "It was bad when I first got home. [pause 0.9] The nurse had me keep my feet up in the "
        "afternoons. [pause 0.7] Now my socks don't leave those deep marks anymore.",
    ),
    (
        "How did the visit with the cardiologist go?",
        "It went well, I think. [pause 0.8] She listened to my heart and looked at my weights. "
        "[pause 1.0] She wants to see me in a month, [pause 0.6] and she changed one pill.",
    ),
    (
        "Walk me through a normal day for you now.",
        "I get up around seven and take my pills with breakfast. [pause 0.9] Then I weigh "
        "myself and write it in the notebook. [pause 0.7] In the afternoon I rest, [pause 0.5] "
        "and in the evening I watch the news with my husband.",
    ),
    # Yes / no, then a pause, then more.
    ("Have you been able to sleep lying flat?", "No, [pause 0.9] I still need two pillows."),
    ("Did you get your prescriptions filled?", "Yes, [pause 0.8] my son picked them up Friday."),
    (
        "Are you having any swelling in your ankles?",
        "Yeah, [pause 1.0] a little in the evenings, [pause 0.5] it's gone by morning.",
    ),
    ("Have you had any dizziness?", "No, [pause 0.7] not since I left the hospital."),
    (
        "Do you know who to call if your weight goes up?",
        "Yes, [pause 1.1] the number is on the discharge papers.",
    ),
    (
        "Did you have any trouble with the new inhaler?",
        "No, [pause 0.8] the nurse showed me how to use it.",
    ),
    (
        "Is your appetite back to normal?",
        "Not really, [pause 0.9] I'm eating about half of what I used to.",
    ),
    (
        "Have you been taking your blood pressure at home?",
        "Yes, [pause 0.6] twice a day, [pause 0.7] and I write it down.",
    ),
    # Complete short answers of another kind than the question asks for.
    ("What is your date of birth?", "I'm Robert Jenkins."),
    ("Can you confirm your date of birth?", "March third, nineteen fifty one."),
    ("Tell me about how things have been at home.", "Fine."),
    ("Which medications are you taking now?", "All of them."),
    ("Are you still taking the aspirin?", "Every morning."),
    ("When is your next appointment?", "My daughter knows."),
    ("How have you been feeling since you got home?", "Much better, thanks."),
    ("Am I speaking with Thomas Reed?", "This is his wife, Linda."),
    # Answers in one breath, as most answers in a follow-up call are: a bare yes or no to a
    # yes/no question, one fact, one sentence. Without them nine lines in ten paused mid-turn,
    # and the fit learned that a short first phrase is rarely the end.
    ("Is this Helen Brooks?", "Speaking."),
    ("Am I speaking with George Ward?", "Yeah, that's me."),
    ("Is this a good time to talk?", "Sure, go ahead."),
    ("Can you tell me your date of birth?", "June ninth, nineteen forty four."),
    ("Have you picked up your new prescriptions?", "Yep."),
    ("Are you taking the furosemide every morning?", "Yes, every morning."),
    ("Have you missed any doses this week?", "Nope, none."),
    ("Did you take your evening pills last night?", "I did."),
    ("How many times a day do you take the metoprolol?", "Twice a day."),
    ("Which one did you miss?", "The water pill."),
    ("How many doses did you miss?", "Just one."),
    ("Are you having any chest pain?", "No, none at all."),
    ("Any shortness of breath?", "Only on the stairs."),
    ("Have you had a fever since you got home?", "No fever."),
    ("Is the cough any better?", "Yes, much better."),
    ("Have you been weighing yourself every day?", "Every morning before breakfast."),
    ("What did the scale say this morning?", "One hundred and eighty two pounds."),
    ("Have you noticed any swelling in your feet?", "A little, yes."),
    ("When did the dizziness start?", "Three days ago."),
    ("How are you sleeping?", "Better than in the hospital."),
    ("How is your appetite?", "It's coming back."),
    ("Have you been out for a walk?", "Around the block, yes."),
    ("Does Tuesday or Thursday suit you better?", "Thursday, please."),
    ("Would the morning or the afternoon be better?", "Afternoon works."),
    ("Is ten o'clock on Monday all right?", "That's fine."),
    ("Can someone drive you to the appointment?", "My son can."),
    ("Do you have any questions for me?", "No, I don't think so."),
    ("Is there anything else I can help with?", "Nothing else, thanks."),
    ("Is there anything else you want the nurse to know?", "Can she call me after five?"),
    ("Did they explain the new pill to you?", "They did, at the pharmacy."),
    ("How have you been feeling since you got home?", "I'm doing pretty well."),
    ("How is the pain in your leg?", "It's about the same."),
    ("Have you been checking your blood sugar?", "Yes, before every meal."),
    ("What was your reading this morning?", "It was one forty."),
    ("Are you using the oxygen at night?", "Every night."),
    ("Who helps you at home?", "My wife does."),
]

#: The patient turns, in order (a line's index is its id: ``s07-2`` is line 7, ``s100-1`` 100).
TURNS: list[str] = [text for _, text in LINES]
#: The agent's question each turn answers, in the same order.
PROMPTS: list[str] = [prompt for prompt, _ in LINES]
