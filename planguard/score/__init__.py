"""Stage 3: every replace/destroy (and every hazard) becomes an explained, scored finding."""
