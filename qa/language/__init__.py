"""Language: words and their stems (text), sentences with offsets, dates, country and nationality names,
synonyms, initialisms, and whether one text supports what another claims (support). Pure functions over
strings; imports nothing of qa but other modules here."""
