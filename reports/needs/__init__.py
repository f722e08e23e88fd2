"""Customer needs: the needs catalogue, measured account indicators, open needs and suggested strategies."""
