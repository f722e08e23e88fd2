"""The competitor catalogue (竞品): competitors, their brands and products, kept beside our brand catalogue."""
