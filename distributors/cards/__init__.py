"""The customer card (客户资料卡): distributors, contacts, brands carried, complaints, suggestions; brand catalogue."""
