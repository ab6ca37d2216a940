"""Interface text of the console in Spanish and English.

Templates call `t("key")` (bound to the request's language by `api.main`); the language is the
`lang` cookie the switch in the page header sets, else the browser's Accept-Language, else
English. Every key has both languages — tests/api/test_i18n.py checks that, and that every
`t("…")` in a template names a key that exists. Pages of other modules add their keys to
`CATALOGUE` here, so one file holds all the console's words.
"""

from __future__ import annotations

from starlette.requests import Request

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"

CATALOGUE: dict[str, dict[str, str]] = {
    # header and navigation
    "search": {"en": "Search", "es": "Buscar"},
    "search_placeholder": {
        "en": 'words, "a phrase", word OR word, -excluded',
        "es": 'palabras, "una frase", palabra OR palabra, -excluida',
    },
    "saved_searches": {"en": "Saved searches", "es": "Búsquedas guardadas"},
    "audit_log": {"en": "Audit log", "es": "Registro de auditoría"},
    # source status page (api/console/status_pages.py)
    "source_status": {"en": "Sources", "es": "Fuentes"},
    "no_watch_runs": {
        "en": "No runs yet: `track4tip watch` records them here.",
        "es": "Aún no hay ejecuciones: `track4tip watch` las registra aquí.",
    },
    "state": {"en": "State", "es": "Estado"},
    # SourceStatus.state (index/source_runs.py), its spaces as underscores
    "state_ok": {"en": "ok", "es": "bien"},
    "state_waiting": {"en": "waiting", "es": "en espera"},
    "state_failing": {"en": "failing", "es": "fallando"},
    "state_backing_off": {"en": "backing off", "es": "en pausa tras fallos"},
    "state_blocked": {"en": "blocked", "es": "bloqueada"},
    "state_starved": {"en": "starved", "es": "sin páginas nuevas"},
    "until": {"en": "until", "es": "hasta"},
    "last_run": {"en": "Last run (UTC)", "es": "Última ejecución (UTC)"},
    "next_run": {"en": "Next run (UTC)", "es": "Próxima ejecución (UTC)"},
    "pages": {"en": "Pages", "es": "Páginas"},
    "new_changed_taken_down": {
        "en": "New / changed / taken down",
        "es": "Nuevos / cambiados / retirados",
    },
    "errors": {"en": "Errors", "es": "Errores"},
    "failures_in_a_row": {"en": "Failures in a row", "es": "Fallos seguidos"},
    "reports": {"en": "Reports", "es": "Informes"},
    "alerts": {"en": "Alerts", "es": "Alertas"},
    "exports": {"en": "Exports", "es": "Exportaciones"},
    "trends": {"en": "Trends", "es": "Tendencias"},
    "log_in": {"en": "Log in", "es": "Iniciar sesión"},
    "log_out": {"en": "Log out", "es": "Cerrar sesión"},
    "language": {"en": "Language", "es": "Idioma"},
    "signed_in_as": {"en": "Signed in as", "es": "Sesión de"},
    # login
    "username": {"en": "User name", "es": "Usuario"},
    "password": {"en": "Password", "es": "Contraseña"},
    "login_failed": {
        "en": "Wrong user name or password.",
        "es": "Usuario o contraseña incorrectos.",
    },
    "login_required": {"en": "Please log in.", "es": "Inicie sesión, por favor."},
    # search page
    "sort_by": {"en": "Sort by", "es": "Ordenar por"},
    "result": {"en": "result", "es": "resultado"},
    "results": {"en": "results", "es": "resultados"},
    "page_of": {"en": "page {page} of {pages}", "es": "página {page} de {pages}"},
    "previous": {"en": "← previous", "es": "← anterior"},
    "next": {"en": "next →", "es": "siguiente →"},
    "risk": {"en": "Risk", "es": "Riesgo"},
    "save_search": {"en": "Save this search", "es": "Guardar esta búsqueda"},
    "search_name": {"en": "Name", "es": "Nombre"},
    "run": {"en": "Run", "es": "Ejecutar"},
    "delete": {"en": "Delete", "es": "Eliminar"},
    "no_saved_searches": {
        "en": "No saved searches yet: search, then save it from the results page.",
        "es": "Aún no hay búsquedas guardadas: busque y guárdela desde los resultados.",
    },
    # facets
    "facet_language": {"en": "Language", "es": "Idioma"},
    "facet_country": {"en": "Country", "es": "País"},
    "facet_source_kind": {"en": "Source kind", "es": "Tipo de fuente"},
    "facet_site": {"en": "Site", "es": "Sitio"},
    "facet_indicator": {"en": "Indicator", "es": "Indicador"},
    "facet_risk_label": {"en": "Risk", "es": "Riesgo"},
    "facet_topic": {"en": "Trafficking topic", "es": "Tema de trata"},
    "topic_trafficking": {"en": "about trafficking", "es": "sobre trata"},
    "facet_flag": {"en": "Flag", "es": "Marca"},
    "facet_cluster": {"en": "Near-duplicates", "es": "Casi duplicados"},
    "facet_network": {"en": "Network", "es": "Red"},
    "facet_status": {"en": "Status", "es": "Estado"},
    # document page
    "source": {"en": "Source", "es": "Fuente"},
    "published": {"en": "Published", "es": "Publicado"},
    "fetched": {"en": "Fetched", "es": "Obtenido"},
    "seen": {"en": "Seen", "es": "Visto"},
    "status": {"en": "Status", "es": "Estado"},
    "version": {"en": "Version", "es": "Versión"},
    "of": {"en": "of", "es": "de"},
    "capture": {"en": "Capture", "es": "Captura"},
    "screenshot": {"en": "Screenshot", "es": "Captura de pantalla"},
    "unknown": {"en": "unknown", "es": "desconocido"},
    "not_analysed": {"en": "Not analysed yet.", "es": "Aún sin analizar."},
    "indicators": {"en": "Indicators", "es": "Indicadores"},
    "entities": {"en": "Entities", "es": "Entidades"},
    "kind": {"en": "Kind", "es": "Tipo"},
    "text": {"en": "Text", "es": "Texto"},
    "value": {"en": "Value", "es": "Valor"},
    "related": {"en": "Related documents", "es": "Documentos relacionados"},
    "same_phone": {"en": "Same phone", "es": "Mismo teléfono"},
    "same_email": {"en": "Same e-mail", "es": "Mismo correo"},
    "near_duplicate": {"en": "Near-duplicate", "es": "Casi duplicado"},
    "versions": {"en": "Versions", "es": "Versiones"},
    # flags
    "flags": {"en": "Flags", "es": "Marcas"},
    "flag": {"en": "Flag", "es": "Marcar"},
    "unflag": {"en": "Remove flag", "es": "Quitar marca"},
    "category": {"en": "Category", "es": "Categoría"},
    "confidence": {"en": "Confidence", "es": "Confianza"},
    "note": {"en": "Note", "es": "Nota"},
    "flag_history": {"en": "Flag history", "es": "Historial de marcas"},
    "not_flagged": {"en": "Not flagged.", "es": "Sin marcas."},
    "by": {"en": "by", "es": "por"},
    # audit page
    "when": {"en": "When", "es": "Cuándo"},
    "who": {"en": "Who", "es": "Quién"},
    "action": {"en": "Action", "es": "Acción"},
    "target": {"en": "Target", "es": "Objeto"},
    "details": {"en": "Details", "es": "Detalles"},
    "filter": {"en": "Filter", "es": "Filtrar"},
    "download": {"en": "Download", "es": "Descargar"},
    # reports (report documents and the report pages)
    "report_version": {
        "en": "Version {version}, saved by {who} on {when}",
        "es": "Versión {version}, guardada por {who} el {when}",
    },
    "generated": {"en": "generated {when}", "es": "generado el {when}"},
    "narrative": {"en": "Summary", "es": "Resumen"},
    "selected_documents": {"en": "Documents", "es": "Documentos"},
    "evidence": {"en": "Evidence", "es": "Evidencia"},
    "indicator_summary": {
        "en": "Indicators across the documents",
        "es": "Indicadores en los documentos",
    },
    "entity_summary": {"en": "Entities across the documents", "es": "Entidades en los documentos"},
    "trend": {"en": "Trend", "es": "Tendencia"},
    "trend_of_selection": {
        "en": "Selected documents per period (publication date)",
        "es": "Documentos seleccionados por período (fecha de publicación)",
    },
    "chain_of_custody": {"en": "Appendix: chain of custody", "es": "Anexo: cadena de custodia"},
    "custody_note": {
        "en": (
            "Each page was stored unchanged in a WARC file when it was fetched; its SHA-256 "
            "digest lets anyone check that the capture has not been altered "
            "(track4tip capture verify)."
        ),
        "es": (
            "Cada página se guardó sin cambios en un archivo WARC al obtenerla; su resumen "
            "SHA-256 permite comprobar que la captura no ha sido alterada "
            "(track4tip capture verify)."
        ),
    },
    "documents": {"en": "Documents", "es": "Documentos"},
    "example": {"en": "Example", "es": "Ejemplo"},
    "url": {"en": "URL", "es": "URL"},
    "warc_record": {"en": "WARC record", "es": "Registro WARC"},
    "no_capture": {"en": "no capture kept", "es": "sin captura"},
    "new_report": {"en": "New report", "es": "Nuevo informe"},
    "title_field": {"en": "Title", "es": "Título"},
    "layout": {"en": "Layout", "es": "Diseño"},
    "report_language": {"en": "Report language", "es": "Idioma del informe"},
    "sections": {"en": "Sections", "es": "Secciones"},
    "heading": {"en": "Heading", "es": "Encabezado"},
    "choose_documents": {
        "en": "Flagged documents to include",
        "es": "Documentos marcados a incluir",
    },
    "other_document_ids": {
        "en": "Other document ids (comma-separated)",
        "es": "Otros ids de documentos (separados por comas)",
    },
    "save_report": {"en": "Save report", "es": "Guardar informe"},
    "save_new_version": {"en": "Save as a new version", "es": "Guardar como nueva versión"},
    "preview": {"en": "Preview", "es": "Vista previa"},
    "download_html": {"en": "Download HTML", "es": "Descargar HTML"},
    "download_pdf": {"en": "Download PDF", "es": "Descargar PDF"},
    "download_markdown": {"en": "Download Markdown", "es": "Descargar Markdown"},
    "no_reports": {"en": "No reports yet.", "es": "Aún no hay informes."},
    "no_flagged": {
        "en": "No flagged documents yet: flag documents from their page first.",
        "es": "Aún no hay documentos marcados: márquelos primero desde su página.",
    },
    "saved_at": {"en": "Saved", "es": "Guardado"},
    # alerts
    "alert_rules": {"en": "Alert rules", "es": "Reglas de alerta"},
    "new_rule": {"en": "New alert rule", "es": "Nueva regla de alerta"},
    "rule_name": {"en": "Name", "es": "Nombre"},
    "query": {"en": "Query", "es": "Consulta"},
    "risk_threshold": {"en": "Lowest risk score (0–1)", "es": "Riesgo mínimo (0–1)"},
    "countries": {
        "en": "Countries (comma-separated ISO codes)",
        "es": "Países (códigos ISO separados por comas)",
    },
    "sites": {"en": "Sites (comma-separated)", "es": "Sitios (separados por comas)"},
    "indicator_ids": {
        "en": "Indicators (comma-separated ids)",
        "es": "Indicadores (ids separados por comas)",
    },
    "channels": {"en": "Delivery", "es": "Entrega"},
    "channel_console": {"en": "In the console", "es": "En la consola"},
    "channel_email": {"en": "E-mail", "es": "Correo electrónico"},
    "channel_webhook": {"en": "Webhook", "es": "Webhook"},
    "email_to": {"en": "E-mail to", "es": "Correo a"},
    "webhook_url": {"en": "Webhook URL", "es": "URL del webhook"},
    "create_rule": {"en": "Create rule", "es": "Crear regla"},
    "enabled": {"en": "Enabled", "es": "Activa"},
    "enable": {"en": "Enable", "es": "Activar"},
    "disable": {"en": "Disable", "es": "Desactivar"},
    "live_feed": {"en": "Live alerts", "es": "Alertas en vivo"},
    "waiting_for_alerts": {"en": "Waiting for new alerts…", "es": "Esperando nuevas alertas…"},
    "deliveries": {"en": "Deliveries", "es": "Entregas"},
    "attempts": {"en": "Attempts", "es": "Intentos"},
    "last_error": {"en": "Last error", "es": "Último error"},
    "next_attempt": {"en": "Next attempt", "es": "Próximo intento"},
    "retry_now": {
        "en": "Retry due deliveries now",
        "es": "Reintentar ahora las entregas pendientes",
    },
    "no_rules": {"en": "No alert rules yet.", "es": "Aún no hay reglas de alerta."},
    "rule": {"en": "Rule", "es": "Regla"},
    "channel": {"en": "Channel", "es": "Canal"},
    "document": {"en": "Document", "es": "Documento"},
    # exports
    "export_data": {"en": "Export data for research", "es": "Exportar datos para investigación"},
    "table": {"en": "Table", "es": "Tabla"},
    "table_documents": {"en": "Documents", "es": "Documentos"},
    "table_modus_operandi": {
        "en": "Modus operandi (no personal data)",
        "es": "Modus operandi (sin datos personales)",
    },
    "format": {"en": "Format", "es": "Formato"},
    "raw_data": {
        "en": "Raw personal data (admins only; recorded in the audit log)",
        "es": "Datos personales sin seudonimizar (solo administradores; queda registrado)",
    },
    "pseudonymised_note": {
        "en": (
            "Phones, e-mails, handles, URLs and authors are replaced by keyed hashes; "
            "names are removed from the text."
        ),
        "es": (
            "Teléfonos, correos, cuentas, URL y autores se sustituyen por hashes con clave; "
            "los nombres se eliminan del texto."
        ),
    },
    "export_button": {"en": "Export", "es": "Exportar"},
    # networks and near-duplicate clusters (api/console/network_pages.py)
    "networks": {"en": "Networks", "es": "Redes"},
    "networks_intro": {
        "en": (
            "Networks join ads that share a phone, an e-mail, a handle or a link; "
            "near-duplicate clusters join copies of one ad text."
        ),
        "es": (
            "Las redes unen anuncios que comparten un teléfono, un correo, una cuenta o un "
            "enlace; los grupos de casi duplicados unen copias de un mismo texto."
        ),
    },
    "nothing_linked": {
        "en": "Nothing has been linked yet: index some documents first.",
        "es": "Aún no hay nada vinculado: indexe documentos primero.",
    },
    "shared_contact_networks": {
        "en": "Networks (shared contacts)",
        "es": "Redes (contactos compartidos)",
    },
    "near_duplicate_clusters": {"en": "Near-duplicate clusters", "es": "Grupos de casi duplicados"},
    "near_duplicate_cluster": {"en": "Near-duplicate cluster", "es": "Grupo de casi duplicados"},
    "no_groups": {"en": "None yet.", "es": "Ninguno todavía."},
    "network": {"en": "Network", "es": "Red"},
    "network_summary": {
        "en": "{documents} documents in {countries} countries on {sites} sites",
        "es": "{documents} documentos en {countries} países y {sites} sitios",
    },
    "cluster_summary": {
        "en": "{members} copies of one ad text",
        "es": "{members} copias de un mismo texto",
    },
    "search_in_network": {"en": "Search in this network", "es": "Buscar en esta red"},
    "search_in_cluster": {"en": "Search in this cluster", "es": "Buscar en este grupo"},
    "contacts_hashed": {
        "en": "Contacts are shown as keyed hashes (the same as in your exports).",
        "es": "Los contactos se muestran como hashes con clave (como en sus exportaciones).",
    },
    "shared_identifiers": {"en": "Shared contacts", "es": "Contactos compartidos"},
    "too_common": {
        "en": "too common to link anything",
        "es": "demasiado común para vincular",
    },
    "timeline": {"en": "Timeline", "es": "Cronología"},
    "documents_per_day": {"en": "Documents per day", "es": "Documentos por día"},
    "small_groups_withheld": {
        "en": "Networks and clusters of fewer than {minimum} documents are not shown to "
        "researchers: so few ads could single out a person.",
        "es": "Las redes y los grupos de menos de {minimum} documentos no se muestran a "
        "quienes investigan: tan pocos anuncios podrían señalar a una persona.",
    },
    "date": {"en": "Date", "es": "Fecha"},
    "date_span": {"en": "First – last seen", "es": "Primero – último visto"},
    "not_indexed": {"en": "not in the index", "es": "no está en el índice"},
    "first_of": {"en": "The first {shown} of {total}.", "es": "Los primeros {shown} de {total}."},
    "template": {"en": "Template", "es": "Plantilla"},
    "templated": {
        "en": "One template explains these ads.",
        "es": "Una plantilla explica estos anuncios.",
    },
    "not_templated": {
        "en": "The ads are similar, but no template explains them well.",
        "es": "Los anuncios se parecen, pero ninguna plantilla los explica bien.",
    },
    "compression": {"en": "compression", "es": "compresión"},
    "slot_values": {"en": "Values seen", "es": "Valores vistos"},
    "members": {"en": "Members", "es": "Miembros"},
    "same_network": {"en": "Same network", "es": "Misma red"},
    "near_duplicates": {"en": "Near-duplicates", "es": "Casi duplicados"},
    "open_group": {"en": "open", "es": "abrir"},
    # errors
    "error": {"en": "Error", "es": "Error"},
    "back_to_search": {"en": "Back to search", "es": "Volver a la búsqueda"},
}


def t(key: str, language: str, **values: object) -> str:
    """The text of `key` in `language` (English if missing), with `{name}` values filled in."""
    texts = CATALOGUE.get(key)
    if texts is None:
        return key
    text = texts.get(language) or texts[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


def _accepted(header: str) -> list[str]:
    """Language codes of an Accept-Language header, best first ("es-VE,es;q=0.9" -> es, es)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        code, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if weight > 0:  # q=0 means "not this one"
            ranked.append((-weight, position, code.split("-")[0].lower()))
    return [code for _, _, code in sorted(ranked) if code]


def language_of(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    for code in _accepted(request.headers.get("accept-language", "")):
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
