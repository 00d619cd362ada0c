"""Language: words and their stems (text), sentences with offsets, dates, country and nationality names,
synonyms and initialisms. Pure functions over strings; imports nothing of qa but other modules here."""
