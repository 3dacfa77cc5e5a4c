"""Perception: what the person is doing and feeling, from their camera and their voice.

``vision/`` turns camera frames into ``VisualObservation``s (faces, head pose, gaze, eyes, brows,
smile, mouth, expression); ``prosody`` turns speech audio into ``ProsodyFrame``s (pitch, energy,
voicing) and per-utterance summaries; ``cues`` turns both into a rolling ``UserState`` and
discrete cues on the timeline; ``stage`` runs all of it beside the conversation loop.
"""
