"""Every frequent action's keyboard shortcut, in one table (read by the actions and the F1 overlay)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication


def _t(text: str) -> str:
    return QCoreApplication.translate("Shortcuts", text)


@dataclass(frozen=True)
class Shortcut:
    key: str  # QKeySequence text
    area: str
    text: str


def shortcuts() -> list[Shortcut]:
    return [
        Shortcut("F1", _t("Allmänt"), _t("Visa/dölj kortkommandon")),
        Shortcut("Ctrl+1", _t("Allmänt"), _t("Arbetsyta: Samtal")),
        Shortcut("Ctrl+2", _t("Allmänt"), _t("Arbetsyta: Dirigering")),
        Shortcut("Ctrl+3", _t("Allmänt"), _t("Arbetsyta: RLS-granskning")),
        Shortcut("Ctrl+4", _t("Allmänt"), _t("Arbetsyta: Statistik")),
        Shortcut("Ctrl+5", _t("Allmänt"), _t("Arbetsyta: Uppföljning")),
        Shortcut("Ctrl+6", _t("Allmänt"), _t("Arbetsyta: Användare (administratör)")),
        Shortcut("Ctrl+7", _t("Allmänt"), _t("Arbetsyta: Planering, simulerat år för regionen (RLS-läkare, administratör)")),
        Shortcut("Ctrl+Shift+R", _t("Allmänt"), _t("Återställ fönsterlayouten")),
        Shortcut("Ctrl+L", _t("Allmänt"), _t("Lås konsolen (lås upp med ditt lösenord)")),
        Shortcut("Ctrl+Shift+L", _t("Allmänt"), _t("Byt användare (utkastet stannar hos dig)")),
        Shortcut("Ctrl+F", _t("Allmänt"), _t("Sök ärende och visa dess händelseförlopp")),
        Shortcut("Ctrl+N", _t("Samtal"), _t("Nytt ärende")),
        Shortcut("Ctrl+T", _t("Samtal"), _t("Gå till triageringen")),
        Shortcut("Ctrl+I", _t("Samtal"), _t("Gå till uppgifter om inringare och patient")),
        Shortcut("Ctrl+M", _t("Samtal"), _t("Gå till vitalparametrarna (mätvärden, när som helst i samtalet)")),
        Shortcut("Ctrl+P", _t("Samtal"), _t("Använd uppringarens telefonposition (AML) som ärendets position")),
        Shortcut("Ctrl+G", _t("Samtal"), _t("Visa kartan över positionen (klick sätter positionen) / sammanhanget")),
        Shortcut("1 … 9", _t("Triage"), _t("Välj svar med siffertangent")),
        Shortcut("0", _t("Triage"), _t("Vet ej (i ett vitalparameterfält: lämna tomt och tryck Enter)")),
        Shortcut("Enter", _t("Triage"), _t("Bekräfta vitalparameter eller kontaktorsak")),
        Shortcut("Backspace / Alt+Vänster", _t("Triage"), _t("Tillbaka en fråga")),
        Shortcut("Enter i vägen", _t("Triage"), _t("Ändra ett tidigare svar (eller dubbelklicka på det)")),
        Shortcut("Ctrl+O", _t("Triage"), _t("Överstyr prioritet (kräver motivering)")),
        Shortcut("Ctrl+R", _t("Triage"), _t("Röd flagga: registrera en röd flagga när som helst i samtalet")),
        Shortcut("Ctrl+B", _t("Triage"), _t("Beslut om patientens behandlingsbegränsning (t.ex. ej HLR)")),
        Shortcut("Ctrl+E", _t("Samtal"), _t("Anteckning på ärendet (portkod, våning, vägbeskrivning)")),
        Shortcut("Ctrl+Enter", _t("Samtal"), _t("Till väntrummet / hänvisning; förlarm vid preliminär Prio 1")),
        Shortcut("Ctrl+Shift+Backspace", _t("Samtal"), _t("Avbryt samtalet (frågar först; Prio 1 kräver skäl)")),
        Shortcut("Ctrl+Shift+H", _t("Samtal"), _t("Lämna över samtalet till en kollega (loggas)")),
        Shortcut("D", _t("Dirigering"), _t("Dirigera valt ärende (välj enhet)")),
        Shortcut("Shift+D", _t("Dirigering"), _t("Dirigera rekommenderade enheter (alla delar, t.ex. ambulans + IVPA)")),
        Shortcut("R", _t("Dirigering"), _t("Återkalla enhet")),
        Shortcut("A", _t("Dirigering"), _t("Avsluta valt ärende med utfall")),
        Shortcut("S", _t("Dirigering"), _t("Ändra vald enhets status (i enhetslistan; skäl krävs)")),
        Shortcut("F2", _t("Dirigering"), _t("Kvittera larm (väljer larmets ärende)")),
        Shortcut("I", _t("Dirigering"), _t("Visa valt ärende (svar, anteckningar) eller rekommendationen")),
        Shortcut("N", _t("Dirigering"), _t("Ny anteckning på valt ärende")),
        Shortcut("Ctrl+Shift+S", _t("RLS-granskning"), _t("Signera vald granskning")),
        Shortcut("Ctrl+K", _t("RLS-granskning"), _t("Kommentera vald granskning")),
        Shortcut("F5", _t("Dirigering"), _t("Uppdatera")),
        Shortcut("Pilar / + / − / Home / C / L", _t("Dirigering"),
                 _t("Kartan (med fokus): flytta / zooma / hela Skåne / valt ärende / teckenförklaring")),
        Shortcut("Alt+1 / Alt+2 / Alt+3", _t("Uppföljning"), _t("Resultat: bättre / oförändrat / sämre (nytt ärende)")),
    ]
