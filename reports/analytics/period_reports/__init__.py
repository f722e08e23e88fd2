"""Weekly and monthly period reports: generation, PDF and workbook files, mail, filters, pages and API."""
