"""The bulk import's upload form: it checks shape (two files, within their sizes) before a
byte is read; the service checks the archive, the CSV and every rule."""

from django import forms
from django.conf import settings

from watchlists.csv_rows import COLUMNS


class ImportForm(forms.Form):
    csv_file = forms.FileField(
        label="The entries (CSV)",
        help_text="UTF-8, one row per person, with the columns: " + ", ".join(COLUMNS) + ".",
        widget=forms.ClearableFileInput(attrs={"class": "govuk-file-upload", "accept": ".csv"}),
    )
    zip_file = forms.FileField(
        label="Their images (ZIP)",
        help_text="Each row's image column names a file in this archive.",
        widget=forms.ClearableFileInput(attrs={"class": "govuk-file-upload", "accept": ".zip"}),
    )

    def clean_csv_file(self):
        return _bounded(self.cleaned_data["csv_file"], settings.WA_IMPORT_MAX_CSV_BYTES, "CSV")

    def clean_zip_file(self):
        return _bounded(self.cleaned_data["zip_file"], settings.WA_IMPORT_MAX_TOTAL_BYTES, "ZIP")


def _bounded(upload, limit: int, what: str):
    if upload.size > int(limit):
        raise forms.ValidationError(f"The {what} is larger than the {int(limit):,} bytes allowed.")
    return upload
