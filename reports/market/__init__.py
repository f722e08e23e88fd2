"""Market checks on visits (competitor prices, shelf, stock) and the monthly market report with its workbook."""
