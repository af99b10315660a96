"""The book's own words in each language: what the lessons do not already say.

Everything else a reader sees comes from elsewhere: the lessons and the
teacher's guide from their catalogs, Sphinx's and the theme's buttons from
the translations they ship, the language names from pyprivate.i18n.
A language that is missing here gets the English words.
"""

WORDS = {
    "en": {
        "title": "pyprivate: privacy-preserving deep learning",
        "intro": "Nine lessons that run with PyTorch: tensors at other workers, federated learning, "
                 "secret sharing, training on encrypted data, encrypted inference and differential privacy. Every page was run when the book "
                 "was built; what you see below each cell is what it printed.",
        "lessons": "Lessons",
        "teachers": "For teachers",
        "reference": "Reference",
        "api_title": "API reference: what `sy` offers",
        "api_intro": "Everything that `import pyprivate as sy` makes available, from the code's own "
                     "docstrings (in English).",
        "show_solution": "Show our solution",
        "hide_solution": "Hide our solution",
        "languages": "Languages",
        "contents": "On this page",
    },
    "hi": {
        "title": "pyprivate: निजता बचाने वाली डीप लर्निंग",
        "intro": "PyTorch के साथ चलने वाले नौ पाठ: दूसरे वर्करों पर रखे टेंसर, फ़ेडरेटेड लर्निंग, "
                 "गुप्त बँटवारा, एन्क्रिप्टेड डेटा पर ट्रेनिंग, एन्क्रिप्टेड इन्फ़रेंस, और डिफ़रेंशियल प्राइवेसी। यह किताब बनाते समय हर पेज चलाया गया था; "
                 "हर सेल के नीचे वही दिखता है जो उसने तब दिखाया था।",
        "lessons": "पाठ",
        "teachers": "शिक्षकों के लिए",
        "reference": "संदर्भ",
        "api_title": "API संदर्भ: `sy` में क्या-क्या है",
        "api_intro": "`import pyprivate as sy` से जो कुछ मिलता है, वह सब, कोड के अपने docstrings से "
                     "(अंग्रेज़ी में)।",
        "show_solution": "हमारा हल दिखाएँ",
        "hide_solution": "हमारा हल छिपाएँ",
        "languages": "भाषाएँ",
        "contents": "इस पेज पर",
    },
    "bn": {
        "title": "pyprivate: গোপনীয়তা রক্ষা করে ডিপ লার্নিং",
        "intro": "PyTorch দিয়ে চলা নয়টি পর্ব: অন্য ওয়ার্কারের কাছে রাখা টেনসর, ফেডারেটেড লার্নিং, "
                 "গোপন ভাগাভাগি, এনক্রিপ্ট করা ডেটায় প্রশিক্ষণ, এনক্রিপ্ট করা ইনফারেন্স, আর ডিফারেনশিয়াল প্রাইভেসি। বইটি বানানোর সময় প্রতিটি পাতা চালানো "
                 "হয়েছিল; প্রতিটি সেলের নিচে সেটাই দেখা যায়, যা সে তখন দেখিয়েছিল।",
        "lessons": "পর্ব",
        "teachers": "শিক্ষকদের জন্য",
        "reference": "রেফারেন্স",
        "api_title": "API রেফারেন্স: `sy`-তে কী কী আছে",
        "api_intro": "`import pyprivate as sy` যা যা দেয়, তার সবকিছু, কোডের নিজের docstring থেকে "
                     "(ইংরেজিতে)।",
        "show_solution": "আমাদের সমাধান দেখুন",
        "hide_solution": "আমাদের সমাধান লুকান",
        "languages": "ভাষা",
        "contents": "এই পাতায়",
    },
    "de": {
        "title": "pyprivate: Deep Learning, das die Privatsphäre schützt",
        "intro": "Neun Lektionen, die mit PyTorch laufen: Tensoren auf anderen Workern, föderiertes "
                 "Lernen, Secret Sharing, Training auf verschlüsselten Daten, verschlüsselte Inferenz "
                 "und Differential Privacy. Jede Seite wurde beim "
                 "Bauen des Buchs ausgeführt; unter jeder Zelle steht, was sie dabei ausgegeben hat.",
        "lessons": "Lektionen",
        "teachers": "Für Lehrkräfte",
        "reference": "Referenz",
        "api_title": "API-Referenz: was `sy` bietet",
        "api_intro": "Alles, was `import pyprivate as sy` bereitstellt, aus den Docstrings des Codes "
                     "(auf Englisch).",
        "show_solution": "Unsere Lösung zeigen",
        "hide_solution": "Unsere Lösung ausblenden",
        "languages": "Sprachen",
        "contents": "Auf dieser Seite",
    },
}


def words(lang):
    """The book's words in ``lang``, English where a language or a word is missing."""
    return {**WORDS["en"], **WORDS.get(lang, {})}
